package org.iotgateway.jobs.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.jobs.JobCancelledException;
import org.iotgateway.api.jobs.JobDocument;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionState;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobUpdateResult;
import org.iotgateway.api.jobs.JobsErrorCode;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.api.jobs.JobsService;
import org.iotgateway.api.jobs.NextJobListener;
import org.iotgateway.api.jobs.PendingJobs;
import org.iotgateway.api.jobs.PendingJobsListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link JobsService} for one thing, and its automatic execution. OSGi-free: it is given an
 * {@link IoTConnection} ({@link #attach}) and a {@link HandlerRegistry}.
 * <p>
 * <b>Threads.</b> Everything automatic execution knows lives on one engine thread ({@code loop});
 * MQTT dispatcher threads only hand messages over. Handlers run on worker threads, one execution
 * at a time. Stages returned to callers and listener calls run on worker threads too, never on the
 * engine thread or an MQTT thread.
 * <p>
 * <b>Automatic execution.</b> Whenever something may have changed (notify-next, notify, reconnect,
 * a handler registered, the previous execution finished) the engine looks at the next pending
 * execution ({@code $next/get}, or the execution of a notify-next directly when it is QUEUED) and:
 * QUEUED with a handler: start-next, run the handler, send the final status; no handler: wait up to
 * {@code handler.wait} for one, then REJECTED; malformed document: REJECTED; IN_PROGRESS that it did
 * not start itself (restart, reconnect, handler re-registered): resume with a handler that can,
 * else FAILED. While a handler runs, any sign that the execution ended at the service (notify-next
 * naming another execution, notify without it, a reconnect) is checked with a describe; if it is
 * no longer IN_PROGRESS the handler is interrupted and nothing more is sent for it.
 */
final class JobsEngine implements JobsService {

    private static final Logger LOG = LoggerFactory.getLogger(JobsEngine.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Consecutive VersionMismatch answers to one update before the engine gives up on it. */
    static final int MAX_MISMATCHES = 10;
    private static final int REMEMBERED_FINISHED = 64;

    private volatile JobsSettings settings;
    private final String thing;
    private final HandlerRegistry handlers;
    private final ScheduledThreadPoolExecutor loop;
    private final ExecutorService workers;
    private final SerialExecutor listenerEvents;
    private final List<PendingJobsListener> pendingListeners = new CopyOnWriteArrayList<>();
    private final List<NextJobListener> nextListeners = new CopyOnWriteArrayList<>();
    private final List<ExecutionObserver> observers = new CopyOnWriteArrayList<>();
    private final Runnable handlersChanged = () -> onLoop(this::handlersChanged);

    /** Written on the engine thread (attach: the caller's, under {@code unboundLock}), read anywhere. */
    private volatile Link link;
    private volatile boolean closed;
    /** Requests made while no connection was bound, in order; sent when one is attached (guarded by itself). */
    private final ArrayDeque<Unbound> unbound = new ArrayDeque<>();

    // ---- engine thread only
    private boolean lookWanted;
    private boolean looking;
    private int lookFailures;
    private ScheduledFuture<?> lookRetry;
    private Execution current;
    private String starting;
    private boolean startingSuspect;
    private Key startedByUs;
    private Waiting waiting;
    private final Set<Key> finished = new LinkedHashSet<>();

    JobsEngine(JobsSettings settings, HandlerRegistry handlers) {
        this.settings = settings;
        this.thing = settings.thingName;
        this.handlers = handlers;
        int n = THREADS.incrementAndGet();
        this.loop = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "iotgw-jobs-" + thing + "-engine-" + n));
        this.loop.setRemoveOnCancelPolicy(true);
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "iotgw-jobs-" + thing + "-worker-" + n));
        this.listenerEvents = new SerialExecutor(workers, "jobs listeners of thing " + thing);
        handlers.addListener(handlersChanged);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // =================================================================== lifecycle

    /**
     * Uses the connection from now on (replacing the previous one). A running handler keeps running;
     * its updates go out through the new connection.
     *
     * @throws IllegalStateException if another jobs service uses the same thing on this connection
     */
    void attach(IoTConnection connection) {
        Objects.requireNonNull(connection, "connection");
        if (closed) {
            throw new IllegalStateException("the jobs service of thing '" + thing + "' is closed");
        }
        Link existing = link;
        if (existing != null && existing.connection == connection) {
            return;
        }
        JobsChannel channel = JobsChannel.acquire(connection);
        Link l;
        try {
            l = new Link(connection, channel);
            l.registration = channel.register(thing, settings.subscriptions == JobsSettings.SubscriptionMode.SHARED,
                    settings.qos, l);
        } catch (RuntimeException e) {
            channel.release();
            throw e;
        }
        connection.addStateListener(l);
        final Link attached = l;
        // visible at once: requests made right after attach go through the new connection
        final Link old;
        List<Unbound> waiting;
        synchronized (unbound) {
            old = link;
            link = attached;
            waiting = new ArrayList<>(unbound);
            unbound.clear();
        }
        // requests made while no connection was bound go out on this one, in order, within their timeout
        for (Unbound u : waiting) {
            u.send(attached);
        }
        onLoop(() -> {
            if (old != null) {
                old.close();
            }
            if (closed) {
                attached.close();
                return;
            }
            attached.registration.subscribed().whenCompleteAsync((v, t) -> subscribed(attached, t), loop);
        });
    }

    /** Stops using the connection, if it is the one in use. */
    void detach(IoTConnection connection) {
        onLoop(() -> {
            Link l = link;
            if (l != null && l.connection == connection) {
                link = null;
                l.close();
            }
        });
    }

    /** @return the connection in use, if any */
    Optional<IoTConnection> connection() {
        Link l = link;
        return l == null ? Optional.empty() : Optional.of(l.connection);
    }

    JobsSettings settings() {
        return settings;
    }

    /** Applies settings that do not need a new engine (see {@link JobsSettings#needsNewEngine}). */
    void reconfigure(JobsSettings next) {
        if (settings.needsNewEngine(next)) {
            throw new IllegalArgumentException("thing name, QoS or subscription mode changed: a new engine is needed");
        }
        boolean wasAuto = settings.autoExecute;
        settings = next;
        onLoop(() -> {
            if (next.autoExecute && !wasAuto) {
                LOG.info("Thing '{}': automatic job execution switched on", thing);
                requestLook();
            } else if (!next.autoExecute && wasAuto) {
                LOG.info("Thing '{}': automatic job execution switched off{}", thing,
                        current == null ? "" : "; the running job " + current.jobId() + " is finished first");
                cancelWaiting();
            }
        });
    }

    void addObserver(ExecutionObserver observer) {
        observers.add(observer);
    }

    void removeObserver(ExecutionObserver observer) {
        observers.remove(observer);
    }

    /**
     * Stops: a running handler is interrupted and no update is sent for its execution (it stays
     * IN_PROGRESS at the service, and is resumed or failed by the next jobs service of the thing).
     */
    void close() {
        if (closed) {
            return;
        }
        handlers.removeListener(handlersChanged);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                closed = true;
                Execution x = current;
                if (x != null) {
                    stop(x, "the jobs service stopped", false);
                    current = null;
                }
                cancelWaiting();
                Link l = link;
                link = null;
                if (l != null) {
                    l.close();
                }
                done.complete(null);
            });
            done.get(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            LOG.warn("Thing '{}': the jobs engine did not stop cleanly: {}", thing, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        List<Unbound> waiting;
        synchronized (unbound) {
            waiting = new ArrayList<>(unbound);
            unbound.clear();
        }
        for (Unbound u : waiting) {
            u.future.completeExceptionally(new IoTException(u.what + ": the jobs service is closed; the request was not sent"));
        }
        loop.shutdownNow();
        Link l = link;
        if (l != null) {
            // the engine thread did not get to it
            link = null;
            l.close();
        }
        workers.shutdown();
    }

    // =================================================================== JobsService

    @Override
    public String thingName() {
        return thing;
    }

    @Override
    public CompletionStage<PendingJobs> listPending() {
        return relay(request("listing the pending jobs of thing " + thing, JobsTopics.list(thing), Codec.object()),
                Codec::pendingList);
    }

    @Override
    public PendingJobs listPendingAndWait() {
        return await(listPending(), "listing the pending jobs of thing " + thing);
    }

    @Override
    public CompletionStage<Optional<JobExecution>> startNext() {
        return startNext(Map.of(), settings.stepTimeoutMinutes);
    }

    @Override
    public CompletionStage<Optional<JobExecution>> startNext(Map<String, String> statusDetails, int stepTimeoutMinutes) {
        Map<String, String> details = checkedDetails(statusDetails);
        if (stepTimeoutMinutes < 0 || stepTimeoutMinutes > JobUpdate.MAX_STEP_TIMEOUT_MINUTES) {
            throw new InvalidRequestException("stepTimeoutInMinutes " + stepTimeoutMinutes + " is out of range: use 0 (none) to "
                    + JobUpdate.MAX_STEP_TIMEOUT_MINUTES);
        }
        return relay(request("start-next of thing " + thing, JobsTopics.startNext(thing),
                Codec.startNextRequest(details, stepTimeoutMinutes)), o -> Codec.executionField(o, thing));
    }

    @Override
    public Optional<JobExecution> startNextAndWait(Map<String, String> statusDetails, int stepTimeoutMinutes) {
        return await(startNext(statusDetails, stepTimeoutMinutes), "start-next of thing " + thing);
    }

    @Override
    public CompletionStage<Optional<JobExecution>> describe(String jobId, long executionNumber, boolean includeJobDocument) {
        checkJobId(jobId, true);
        if (executionNumber < 0) {
            throw new InvalidRequestException("executionNumber " + executionNumber + " is negative; use 0 for the latest");
        }
        return relay(rawDescribe(jobId, executionNumber, includeJobDocument), o -> Codec.executionField(o, thing));
    }

    @Override
    public Optional<JobExecution> describeAndWait(String jobId, long executionNumber, boolean includeJobDocument) {
        return await(describe(jobId, executionNumber, includeJobDocument), "describe of job " + jobId + " on thing " + thing);
    }

    @Override
    public CompletionStage<JobUpdateResult> update(String jobId, JobUpdate update) {
        checkJobId(jobId, false);
        if (update == null) {
            throw new InvalidRequestException("update of job " + jobId + " is null");
        }
        return relay(rawUpdate(jobId, update), Codec::updateResult);
    }

    @Override
    public JobUpdateResult updateAndWait(String jobId, JobUpdate update) {
        return await(update(jobId, update), "update of job " + jobId + " on thing " + thing);
    }

    @Override
    public void addPendingJobsListener(PendingJobsListener listener) {
        pendingListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removePendingJobsListener(PendingJobsListener listener) {
        pendingListeners.remove(listener);
    }

    @Override
    public void addNextJobListener(NextJobListener listener) {
        nextListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeNextJobListener(NextJobListener listener) {
        nextListeners.remove(listener);
    }

    @Override
    public String toString() {
        Link l = link;
        return "JobsService[thing=" + thing + ", connection=" + (l == null ? "none" : l.connection.id()) + "]";
    }

    private static Map<String, String> checkedDetails(Map<String, String> details) {
        return JobUpdate.status(JobExecutionStatus.IN_PROGRESS).statusDetails(details).build().statusDetails();
    }

    private static void checkJobId(String jobId, boolean nextAllowed) {
        if (nextAllowed && NEXT.equals(jobId)) {
            return;
        }
        if (jobId == null || !jobId.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new InvalidRequestException("job id '" + jobId + "' is invalid: use 1 to 64 characters of [a-zA-Z0-9_-]"
                    + (nextAllowed ? ", or " + NEXT : ""));
        }
    }

    // =================================================================== requests

    private CompletableFuture<ObjectNode> rawDescribe(String jobId, long executionNumber, boolean includeDocument) {
        return request("describe of job " + jobId + " on thing " + thing, JobsTopics.describe(thing, jobId),
                Codec.describeRequest(executionNumber, includeDocument));
    }

    private CompletableFuture<ObjectNode> rawUpdate(String jobId, JobUpdate update) {
        return request("update of job " + jobId + " on thing " + thing + " to " + update.status(),
                JobsTopics.update(thing, jobId), Codec.updateRequest(update));
    }

    /** Completes on a channel thread (MQTT dispatcher or timer): callers continue on their own executor. */
    private CompletableFuture<ObjectNode> request(String what, String topic, ObjectNode body) {
        if (closed) {
            return CompletableFuture.failedFuture(new IoTException(what + ": the jobs service is closed"));
        }
        JobsSettings s = settings;
        Link l;
        synchronized (unbound) {
            l = link;
            if (l == null) {
                // like the shadow service: wait for a connection to be bound, within the operation timeout
                return waitForConnection(what, topic, body, s);
            }
        }
        return l.channel.request(l.registration.subscribed(), thing, topic, body, s.qos, s.operationTimeout, what);
    }

    /** Caller holds the lock of {@link #unbound}. */
    private CompletableFuture<ObjectNode> waitForConnection(String what, String topic, ObjectNode body, JobsSettings s) {
        Unbound u = new Unbound(what, topic, body, s.qos, s.operationTimeout);
        try {
            u.timeoutTask = loop.schedule(() -> {
                boolean removed;
                synchronized (unbound) {
                    removed = unbound.remove(u);
                }
                if (removed) {
                    u.future.completeExceptionally(new OperationTimeoutException(what + ": timed out after "
                            + u.timeout.toMillis() + " ms: no IoTConnection is bound to the jobs service of thing '" + thing
                            + "' (check IoTConnection.target); the request was not sent"));
                }
            }, u.timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IoTException(what + ": the jobs service is closed"));
        }
        unbound.add(u);
        LOG.debug("Thing '{}': {} waits for a connection to be bound", thing, what);
        return u.future;
    }

    /** A request made while no connection was bound. */
    private final class Unbound {
        final String what;
        final String topic;
        final ObjectNode body;
        final QoS qos;
        final Duration timeout;
        final long deadline;
        final CompletableFuture<ObjectNode> future = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeoutTask;

        Unbound(String what, String topic, ObjectNode body, QoS qos, Duration timeout) {
            this.what = what;
            this.topic = topic;
            this.body = body;
            this.qos = qos;
            this.timeout = timeout;
            this.deadline = System.nanoTime() + timeout.toNanos();
        }

        /** Sends the request on the link with what is left of its timeout. */
        void send(Link l) {
            ScheduledFuture<?> t = timeoutTask;
            if (t != null) {
                t.cancel(false);
            }
            long left = deadline - System.nanoTime();
            if (future.isDone()) {
                return;
            }
            if (left <= 0) {
                future.completeExceptionally(new OperationTimeoutException(what + ": timed out after " + timeout.toMillis()
                        + " ms: no IoTConnection was bound to the jobs service of thing '" + thing + "' in time; the request "
                        + "was not sent"));
                return;
            }
            l.channel.request(l.registration.subscribed(), thing, topic, body, qos, Duration.ofNanos(left), what)
                    .whenComplete((o, e) -> {
                        if (e == null) {
                            future.complete(o);
                        } else {
                            future.completeExceptionally(e);
                        }
                    });
        }
    }

    /** Completes a caller's stage on a worker thread, decoding the answer. */
    private <T> CompletionStage<T> relay(CompletableFuture<ObjectNode> raw, Function<ObjectNode, T> decode) {
        CompletableFuture<T> out = new CompletableFuture<>();
        raw.whenComplete((o, t) -> runOnWorker(() -> {
            if (t != null) {
                out.completeExceptionally(unwrap(t));
                return;
            }
            try {
                out.complete(decode.apply(o));
            } catch (Codec.MalformedMessageException e) {
                out.completeExceptionally(new IoTException("AWS IoT Jobs answered with a malformed message: " + e.getMessage()));
            }
        }, () -> out.completeExceptionally(new IoTException("the jobs service of thing '" + thing + "' is closed"))));
        return out;
    }

    /** A stage completed on the engine thread, relayed to a worker for the handler's continuations. */
    CompletionStage<Void> relay(CompletableFuture<Void> f) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        f.whenComplete((v, t) -> runOnWorker(() -> {
            if (t != null) {
                out.completeExceptionally(unwrap(t));
            } else {
                out.complete(null);
            }
        }, () -> {
            if (t != null) {
                out.completeExceptionally(unwrap(t));
            } else {
                out.complete(null);
            }
        }));
        return out;
    }

    private void runOnWorker(Runnable task, Runnable ifClosed) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            ifClosed.run();
        }
    }

    /** Waits for a stage at most the operation timeout (plus a margin: requests time out by themselves). */
    <T> T await(CompletionStage<T> stage, String what) {
        Duration timeout = settings.operationTimeout.plusSeconds(2);
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IoTException(what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new OperationTimeoutException(what + ": no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IoTException(what + ": interrupted while waiting", e);
        }
    }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    // =================================================================== connection events

    /** The engine's use of one connection: its channel registration, state listener and message sink. */
    private final class Link implements JobsChannel.Sink, ConnectionStateListener {
        final IoTConnection connection;
        final JobsChannel channel;
        JobsChannel.Registration registration;
        boolean subscribed;
        private boolean closedLink;

        Link(IoTConnection connection, JobsChannel channel) {
            this.connection = connection;
            this.channel = channel;
        }

        boolean ready() {
            return subscribed && connection.state() == ConnectionState.CONNECTED;
        }

        void close() {
            if (closedLink) {
                return;
            }
            closedLink = true;
            connection.removeStateListener(this);
            registration.close();
            channel.release();
        }

        @Override
        public void stateChanged(ConnectionStateEvent event) {
            if (event.current() == ConnectionState.CONNECTED) {
                onLoop(() -> {
                    if (link == this && subscribed) {
                        connected();
                    }
                });
            }
        }

        @Override
        public void notifyReceived(ObjectNode message) {
            PendingJobs pending;
            try {
                pending = Codec.notify(message);
            } catch (Codec.MalformedMessageException e) {
                LOG.warn("Thing '{}': ignoring a malformed notify message: {}", thing, e.getMessage());
                return;
            }
            for (PendingJobsListener l : pendingListeners) {
                listenerEvents.execute(() -> {
                    try {
                        l.pendingJobsChanged(pending);
                    } catch (RuntimeException e) {
                        LOG.error("Thing '{}': PendingJobsListener {} threw", thing, l, e);
                    }
                });
            }
            onLoop(() -> {
                if (link == this) {
                    pendingChanged(pending);
                }
            });
        }

        @Override
        public void notifyNextReceived(ObjectNode message) {
            Optional<JobExecution> next;
            java.time.Instant timestamp;
            try {
                next = Codec.executionField(message, thing);
                timestamp = Optional.ofNullable(Codec.instant(message, "timestamp")).orElse(java.time.Instant.EPOCH);
            } catch (Codec.MalformedMessageException e) {
                LOG.warn("Thing '{}': ignoring a malformed notify-next message: {}", thing, e.getMessage());
                onLoop(() -> {
                    if (link == this) {
                        requestLook();
                    }
                });
                return;
            }
            for (NextJobListener l : nextListeners) {
                listenerEvents.execute(() -> {
                    try {
                        l.nextJobChanged(next, timestamp);
                    } catch (RuntimeException e) {
                        LOG.error("Thing '{}': NextJobListener {} threw", thing, l, e);
                    }
                });
            }
            onLoop(() -> {
                if (link == this) {
                    nextChanged(next);
                }
            });
        }
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Thing '{}': jobs engine task failed", thing, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private boolean ready() {
        Link l = link;
        return !closed && l != null && l.ready();
    }

    private boolean auto() {
        return !closed && settings.autoExecute;
    }

    private void subscribed(Link l, Throwable t) {
        if (link != l) {
            return;
        }
        if (t != null) {
            if (!closed) {
                LOG.error("Thing '{}': cannot subscribe to its jobs topics on connection '{}': {}; its jobs are not handled "
                        + "(does the policy allow subscribing to $aws/things/{}/jobs/...?)", thing, l.connection.id(),
                        unwrap(t).getMessage(), settings.subscriptions == JobsSettings.SubscriptionMode.SHARED ? "+" : thing);
            }
            return;
        }
        l.subscribed = true;
        LOG.debug("Thing '{}': jobs topics subscribed on connection '{}'", thing, l.connection.id());
        if (l.ready()) {
            connected();
        }
    }

    /** Connected (again), subscriptions in place: re-check the running execution and look for work. */
    private void connected() {
        Execution x = current;
        if (x != null) {
            if (x.handler == null || x.handlerDone) {
                trySendFinal(x);
            } else {
                verify(x);
            }
        }
        requestLook();
    }

    private void nextChanged(Optional<JobExecution> next) {
        if (!auto()) {
            return;
        }
        Execution x = current;
        String nextId = next.map(JobExecution::jobId).orElse(null);
        if (x != null && !x.handlerDone && !x.jobId().equals(nextId)) {
            verify(x);
        }
        if (starting != null && !starting.equals(nextId)) {
            startingSuspect = true;
        }
        if (next.isPresent() && next.get().status() == JobExecutionStatus.QUEUED && next.get().jobDocument().isPresent()
                && current == null && starting == null) {
            // fast path: the notification carries all a start needs (start-next itself is authoritative); a look
            // still under way is not waited for, its answer is ignored once something started
            lookWanted = false;
            decide(next.get(), false);
            pump();
            return;
        }
        requestLook();
    }

    private void pendingChanged(PendingJobs pending) {
        if (!auto()) {
            return;
        }
        Execution x = current;
        if (x != null && !x.handlerDone && !pending.contains(x.jobId())) {
            verify(x);
        }
        if (starting != null && !pending.contains(starting)) {
            startingSuspect = true;
        }
        if (x == null && !pending.isEmpty()) {
            requestLook();
        }
    }

    private void handlersChanged() {
        Execution x = current;
        if (x != null && x.handler != null && !x.handlerDone && !x.cancelled && !handlers.contains(x.handler)) {
            LOG.warn("Thing '{}': the JobHandler of the running job {} was unregistered; the job is left IN_PROGRESS for a "
                    + "handler that can resume it", thing, x.jobId());
            stop(x, "its JobHandler was unregistered", true);
        }
        if (waiting != null) {
            requestLook();
        }
    }

    // =================================================================== looking for work

    private boolean idle() {
        return current == null && starting == null && !looking;
    }

    private void requestLook() {
        lookWanted = true;
        pump();
    }

    private void pump() {
        if (!auto() || !lookWanted || !idle() || !ready()) {
            return;
        }
        lookWanted = false;
        looking = true;
        rawDescribe(NEXT, 0, true).whenCompleteAsync(this::looked, loop);
    }

    private void looked(ObjectNode answer, Throwable failure) {
        looking = false;
        if (closed) {
            return;
        }
        if (current != null || starting != null) {
            // overtaken by a notify-next; what it found is out of date
            return;
        }
        if (failure != null) {
            Throwable t = unwrap(failure);
            LOG.debug("Thing '{}': looking for the next job failed: {}", thing, t.toString());
            if (!(t instanceof JobsRejectedException)) {
                LOG.info("Thing '{}': could not look for the next job ({}); retrying", thing, t.getMessage());
            } else {
                LOG.warn("Thing '{}': {}", thing, t.getMessage());
            }
            lookWanted = true;
            scheduleLookRetry();
            return;
        }
        lookFailures = 0;
        Optional<JobExecution> next;
        try {
            next = Codec.executionField(answer, thing);
        } catch (Codec.MalformedMessageException e) {
            LOG.error("Thing '{}': the description of its next job is malformed ({}); waiting for the next notification",
                    thing, e.getMessage());
            return;
        }
        if (next.isEmpty()) {
            cancelWaiting();
            pump();
            return;
        }
        if (auto()) {
            decide(next.get(), false);
        }
        pump();
    }

    private void scheduleLookRetry() {
        if (lookRetry != null && !lookRetry.isDone()) {
            return;
        }
        long delay = backoff(lookFailures++);
        lookRetry = loop.schedule(this::pump, delay, TimeUnit.MILLISECONDS);
    }

    private long backoff(int failures) {
        JobsSettings s = settings;
        long base = Math.max(1, s.retryBase.toMillis());
        long d = base << Math.min(failures, 20);
        return Math.min(d, Math.max(base, s.retryMax.toMillis()));
    }

    /**
     * What to do with the next pending execution.
     *
     * @param e         the execution (with its document)
     * @param fromStart whether it is the answer to our start-next (so IN_PROGRESS because of us)
     */
    private void decide(JobExecution e, boolean fromStart) {
        Key key = new Key(e);
        if (e.status().isTerminal() || finished.contains(key)) {
            // out of date (a notification overtaken by our own final update): the next event decides
            LOG.debug("Thing '{}': ignoring out-of-date news of job {}", thing, e.jobId());
            return;
        }
        boolean inProgress = e.status() == JobExecutionStatus.IN_PROGRESS;
        boolean resumed = inProgress && !fromStart && !key.equals(startedByUs);
        Optional<JobDocument> document = e.jobDocument();
        String problem = null;
        String operation = null;
        if (document.isEmpty()) {
            problem = "the job has no job document";
        } else if (!document.get().json().trim().startsWith("{")) {
            problem = "the job document is not a JSON object";
        } else if (!document.get().content().containsKey(JobDocument.OPERATION)) {
            problem = "the job document has no \"" + JobDocument.OPERATION + "\" field";
        } else if (document.get().operation().isEmpty()) {
            problem = "the \"" + JobDocument.OPERATION + "\" field of the job document is not a non-empty string";
        } else {
            operation = document.get().operation().get();
        }
        if (problem != null) {
            cancelWaiting();
            LOG.warn("Thing '{}': rejecting job {}: {}", thing, e.jobId(), problem);
            finishDirectly(e, JobOutcome.rejected("malformed job document: " + problem), resumed);
            return;
        }
        HandlerRegistry.Entry handler = handlers.find(operation, thing);
        if (handler == null) {
            waitForHandler(e, key, operation, resumed);
            return;
        }
        cancelWaiting();
        if (resumed) {
            boolean can;
            try {
                can = handler.handler.canResume(e);
            } catch (RuntimeException ex) {
                LOG.error("Thing '{}': canResume of JobHandler {} threw", thing, handler.handler, ex);
                can = false;
            }
            if (!can) {
                LOG.warn("Thing '{}': job {} was found IN_PROGRESS and its JobHandler for operation '{}' cannot resume it; "
                        + "failing it", thing, e.jobId(), operation);
                finishDirectly(e, JobOutcome.failed("the execution was interrupted (gateway or jobs service restart) and the "
                        + "JobHandler for operation '" + operation + "' cannot resume it"), true);
                return;
            }
            run(e, handler, true);
        } else if (e.status() == JobExecutionStatus.QUEUED) {
            start(e);
        } else {
            run(e, handler, false);
        }
    }

    private void waitForHandler(JobExecution e, Key key, String operation, boolean resumed) {
        Waiting w = waiting;
        if (w != null && w.key.equals(key)) {
            if (!w.expired) {
                return;
            }
            cancelWaiting();
        } else {
            cancelWaiting();
            long wait = settings.handlerWait.toMillis();
            if (wait > 0) {
                LOG.info("Thing '{}': job {} needs a JobHandler for operation '{}'; waiting up to {} for one", thing,
                        e.jobId(), operation, text(settings.handlerWait));
                Waiting nw = new Waiting(key);
                nw.timer = loop.schedule(() -> {
                    if (waiting == nw) {
                        nw.expired = true;
                        requestLook();
                    }
                }, wait, TimeUnit.MILLISECONDS);
                waiting = nw;
                return;
            }
        }
        String reason = resumed
                ? "the execution was interrupted (gateway or jobs service restart) and no JobHandler for operation '" + operation
                        + "' is registered to resume it"
                : "no JobHandler for operation '" + operation + "' is registered on this gateway";
        LOG.warn("Thing '{}': {} job {}: {}", thing, resumed ? "failing" : "rejecting", e.jobId(), reason);
        finishDirectly(e, resumed ? JobOutcome.failed(reason) : JobOutcome.rejected(reason), resumed);
    }

    private void cancelWaiting() {
        if (waiting != null) {
            if (waiting.timer != null) {
                waiting.timer.cancel(false);
            }
            waiting = null;
        }
    }

    private void start(JobExecution e) {
        Key key = new Key(e);
        starting = e.jobId();
        startingSuspect = false;
        startedByUs = key;
        JobsSettings s = settings;
        request("start-next of thing " + thing, JobsTopics.startNext(thing), Codec.startNextRequest(Map.of(),
                s.stepTimeoutMinutes)).whenCompleteAsync((answer, failure) -> started(e, answer, failure), loop);
    }

    private void started(JobExecution asked, ObjectNode answer, Throwable failure) {
        starting = null;
        boolean suspect = startingSuspect;
        startingSuspect = false;
        if (closed) {
            return;
        }
        if (failure != null) {
            LOG.info("Thing '{}': start-next for job {} failed ({}); looking again", thing, asked.jobId(),
                    unwrap(failure).getMessage());
            lookWanted = true;
            scheduleLookRetry();
            return;
        }
        Optional<JobExecution> e;
        try {
            e = Codec.executionField(answer, thing);
        } catch (Codec.MalformedMessageException ex) {
            LOG.error("Thing '{}': the start-next answer is malformed ({}); looking again", thing, ex.getMessage());
            requestLook();
            return;
        }
        if (e.isEmpty()) {
            pump();
            return;
        }
        JobExecution x = e.get();
        if (x.status() != JobExecutionStatus.IN_PROGRESS) {
            requestLook();
            return;
        }
        boolean ours = x.jobId().equals(asked.jobId());
        if (!ours) {
            // start-next returns an execution already IN_PROGRESS before a QUEUED one: only one started just now
            // (the one asked for was cancelled meanwhile) is ours; one started earlier must go through resume
            java.time.Instant answeredAt = Codec.instant(answer, "timestamp");
            ours = answeredAt != null && x.startedAt().isPresent() && !x.startedAt().get().isBefore(answeredAt);
            LOG.info("Thing '{}': start-next returned job {} instead of {}{}", thing, x.jobId(), asked.jobId(),
                    ours ? "" : ", started earlier");
        }
        if (ours) {
            startedByUs = new Key(x);
        }
        decide(x, ours);
        if (suspect && current != null) {
            verify(current);
        }
        pump();
    }

    // =================================================================== running

    private void run(JobExecution e, HandlerRegistry.Entry handler, boolean resumed) {
        startedByUs = null;
        Execution x = new Execution(this, e, handler, resumed);
        current = x;
        LOG.info("Thing '{}': {} job {} (execution {}) with {}", thing, resumed ? "resuming" : "running", e.jobId(),
                e.executionNumber(), handler.handler);
        for (ExecutionObserver o : observers) {
            try {
                o.started(e, resumed);
            } catch (RuntimeException ex) {
                LOG.warn("observer threw", ex);
            }
        }
        try {
            workers.execute(x::runHandler);
        } catch (RejectedExecutionException ex) {
            current = null;
        }
    }

    /** The engine sends this final status itself, no handler involved. */
    private void finishDirectly(JobExecution e, JobOutcome outcome, boolean resumed) {
        startedByUs = null;
        Execution x = new Execution(this, e, null, resumed);
        x.handlerDone = true;
        x.outcome = outcome;
        current = x;
        trySendFinal(x);
    }

    /** Called on the handler's thread when it returned or threw. */
    void handlerReturned(Execution x, JobOutcome outcome, Throwable error) {
        onLoop(() -> returned(x, outcome, error));
    }

    private void returned(Execution x, JobOutcome outcome, Throwable error) {
        if (x.cancelled) {
            LOG.info("Thing '{}': the handler of the stopped job {} returned", thing, x.jobId());
            if (current == x) {
                release(x);
            }
            return;
        }
        if (current != x) {
            return;
        }
        JobOutcome o;
        if (error != null) {
            String message = error.getMessage() == null || error.getMessage().trim().isEmpty() ? error.getClass().getName()
                    : error.getMessage();
            LOG.warn("Thing '{}': the JobHandler of job {} threw: {}", thing, x.jobId(), error.toString(), error);
            Map<String, String> details = new LinkedHashMap<>();
            String type = error.getClass().getName();
            if (type.length() <= 1024) {
                details.put("exception", type);
            }
            o = JobOutcome.failed(message, details);
        } else {
            o = outcome == null ? JobOutcome.succeeded() : outcome;
        }
        x.handlerDone = true;
        x.outcome = o;
        if (x.pending != null) {
            // superseded by the final update
            x.pending.future.complete(null);
            x.pending = null;
        }
        trySendFinal(x);
    }

    /** The handler was told to stop; with {@code waitForHandler} the next execution waits for it (at most cancel.wait). */
    private void stop(Execution x, String why, boolean waitForHandler) {
        if (x.cancelled) {
            return;
        }
        x.cancel(why);
        JobCancelledException cancelled = x.cancelledException();
        if (x.pending != null) {
            x.pending.future.completeExceptionally(cancelled);
            x.pending = null;
        }
        if (x.retryTask != null) {
            x.retryTask.cancel(false);
        }
        for (ExecutionObserver o : observers) {
            try {
                o.stopped(x.jobId(), x.executionNumber(), why);
            } catch (RuntimeException ex) {
                LOG.warn("observer threw", ex);
            }
        }
        if (x.handler == null || x.handlerDone || !waitForHandler) {
            if (current == x) {
                release(x);
            }
            return;
        }
        long wait = settings.cancelWait.toMillis();
        x.cancelTimer = loop.schedule(() -> {
            if (current == x) {
                LOG.warn("Thing '{}': the handler of job {} did not return within {} after it was told to stop; "
                        + "going on with the next job", thing, x.jobId(), text(settings.cancelWait));
                release(x);
            }
        }, wait, TimeUnit.MILLISECONDS);
    }

    /** The execution is over as far as the engine is concerned. */
    private void release(Execution x) {
        if (x.cancelTimer != null) {
            x.cancelTimer.cancel(false);
        }
        if (x.retryTask != null) {
            x.retryTask.cancel(false);
        }
        if (current == x) {
            current = null;
        }
        requestLook();
    }

    /**
     * The execution is no longer IN_PROGRESS at the service.
     *
     * @param status      its status there, {@code null} if unknown
     * @param description the same in words
     */
    private void ended(Execution x, JobExecutionStatus status, String description) {
        if (x.handlerDone) {
            LOG.info("Thing '{}': job {} is already {} at the service", thing, x.jobId(), description);
            done(x, status);
            return;
        }
        LOG.info("Thing '{}': job {} is {} at the service; its handler is told to stop and no further update is sent",
                thing, x.jobId(), description);
        stop(x, "the execution is " + description + " at the service", true);
    }

    // ---- progress

    void submitProgress(Execution x, Execution.Progress p) {
        try {
            loop.execute(() -> queueProgress(x, p));
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(x.cancelledException());
        }
    }

    private void queueProgress(Execution x, Execution.Progress p) {
        if (x.cancelled || current != x) {
            p.future.completeExceptionally(x.cancelledException());
            return;
        }
        if (x.handlerDone) {
            p.future.complete(null);
            return;
        }
        Execution.Progress replaced = x.pending;
        if (replaced != null) {
            p.future.whenComplete((v, t) -> {
                if (t == null) {
                    replaced.future.complete(null);
                } else {
                    replaced.future.completeExceptionally(t);
                }
            });
        }
        x.pending = p;
        sendProgress(x);
    }

    private void sendProgress(Execution x) {
        if (current != x || x.cancelled || x.handlerDone || x.inFlight != null || x.pending == null || x.verifying
                || !ready()) {
            return;
        }
        Execution.Progress p = x.pending;
        x.pending = null;
        x.inFlight = p;
        JobUpdate.Builder b = JobUpdate.status(JobExecutionStatus.IN_PROGRESS).statusDetails(p.details)
                .expectedVersion(x.version).executionNumber(x.executionNumber()).includeJobExecutionState(true);
        if (p.stepTimeoutMinutes > 0) {
            b.stepTimeoutMinutes(p.stepTimeoutMinutes);
        }
        rawUpdate(x.jobId(), b.build()).whenCompleteAsync((answer, failure) -> progressAnswered(x, p, answer, failure), loop);
    }

    private void progressAnswered(Execution x, Execution.Progress p, ObjectNode answer, Throwable failure) {
        x.inFlight = null;
        if (failure == null) {
            x.mismatches = 0;
            x.version = newVersion(x, answer);
            p.future.complete(null);
        } else if (x.cancelled) {
            p.future.completeExceptionally(x.cancelledException());
        } else {
            Throwable t = unwrap(failure);
            if (t instanceof JobsRejectedException) {
                JobsRejectedException r = (JobsRejectedException) t;
                Optional<JobExecutionState> state = r.executionState();
                if (state.isPresent() && state.get().status().isTerminal()) {
                    p.future.completeExceptionally(x.cancelledException());
                    ended(x, state.get().status(), state.get().status().name());
                    return;
                }
                switch (r.errorCode()) {
                    case VERSION_MISMATCH:
                        if (++x.mismatches <= MAX_MISMATCHES) {
                            LOG.debug("Thing '{}': version mismatch on a progress update of job {}; refreshing", thing, x.jobId());
                            requeue(x, p);
                            if (state.isPresent()) {
                                x.version = state.get().versionNumber();
                            } else {
                                verify(x);
                                return;
                            }
                        } else {
                            p.future.completeExceptionally(r);
                        }
                        break;
                    case TERMINAL_STATE_REACHED:
                    case RESOURCE_NOT_FOUND:
                        p.future.completeExceptionally(x.cancelledException());
                        ended(x, null, r.errorCode() == JobsErrorCode.RESOURCE_NOT_FOUND ? "gone" : "in a terminal state");
                        return;
                    case INVALID_STATE_TRANSITION:
                        p.future.completeExceptionally(r);
                        verify(x);
                        return;
                    default:
                        p.future.completeExceptionally(r);
                        break;
                }
            } else {
                p.future.completeExceptionally(t);
            }
        }
        if (x.handlerDone) {
            trySendFinal(x);
        } else {
            sendProgress(x);
        }
    }

    /** Puts a report back in front unless a newer one replaced it meanwhile. */
    private static void requeue(Execution x, Execution.Progress p) {
        if (x.pending == null) {
            x.pending = p;
        } else {
            Execution.Progress newer = x.pending;
            newer.future.whenComplete((v, t) -> {
                if (t == null) {
                    p.future.complete(null);
                } else {
                    p.future.completeExceptionally(t);
                }
            });
        }
    }

    private static long newVersion(Execution x, ObjectNode answer) {
        try {
            JobUpdateResult r = Codec.updateResult(answer);
            if (r.executionState().isPresent()) {
                return r.executionState().get().versionNumber();
            }
        } catch (Codec.MalformedMessageException e) {
            // fall through
        }
        return x.version + 1;
    }

    // ---- final status

    private void trySendFinal(Execution x) {
        if (current != x || x.cancelled || !x.handlerDone || x.inFlight != null || x.finalInFlight || x.verifying
                || !ready()) {
            return;
        }
        if (x.retryTask != null && !x.retryTask.isDone()) {
            return;
        }
        x.finalInFlight = true;
        JobOutcome o = x.outcome;
        JobUpdate.Builder b = JobUpdate.status(o.status()).expectedVersion(x.version).executionNumber(x.executionNumber())
                .includeJobExecutionState(true);
        if (!o.statusDetails().isEmpty()) {
            b.statusDetails(o.statusDetails());
        }
        rawUpdate(x.jobId(), b.build()).whenCompleteAsync((answer, failure) -> finalAnswered(x, answer, failure), loop);
    }

    private void finalAnswered(Execution x, ObjectNode answer, Throwable failure) {
        x.finalInFlight = false;
        if (current != x || x.cancelled) {
            return;
        }
        if (failure == null) {
            done(x, x.outcome.status());
            return;
        }
        Throwable t = unwrap(failure);
        if (!(t instanceof JobsRejectedException)) {
            LOG.info("Thing '{}': sending the final status {} of job {} failed ({}); retrying", thing, x.outcome.status(),
                    x.jobId(), t.getMessage());
            retryFinal(x);
            return;
        }
        JobsRejectedException r = (JobsRejectedException) t;
        Optional<JobExecutionState> state = r.executionState();
        if (state.isPresent() && state.get().status().isTerminal()) {
            if (state.get().status() != x.outcome.status()) {
                LOG.info("Thing '{}': job {} was already {} at the service; its result {} is not reported", thing,
                        x.jobId(), state.get().status(), x.outcome.status());
            }
            done(x, state.get().status());
            return;
        }
        switch (r.errorCode()) {
            case VERSION_MISMATCH:
                if (++x.mismatches > MAX_MISMATCHES) {
                    LOG.error("Thing '{}': giving up on the final status {} of job {} after {} version mismatches", thing,
                            x.outcome.status(), x.jobId(), MAX_MISMATCHES);
                    done(x, null);
                    return;
                }
                if (state.isPresent()) {
                    x.version = state.get().versionNumber();
                    trySendFinal(x);
                } else {
                    verify(x);
                }
                return;
            case TERMINAL_STATE_REACHED:
            case RESOURCE_NOT_FOUND:
            case INVALID_STATE_TRANSITION:
                LOG.warn("Thing '{}': the final status {} of job {} was refused: {}", thing, x.outcome.status(), x.jobId(),
                        r.getMessage());
                done(x, null);
                return;
            case INVALID_REQUEST:
            case INVALID_JSON:
                if (!x.outcome.statusDetails().isEmpty()) {
                    LOG.error("Thing '{}': the final status of job {} was refused ({}); sending it without status details",
                            thing, x.jobId(), r.getMessage());
                    x.outcome = x.outcome.status() == JobExecutionStatus.SUCCEEDED ? JobOutcome.succeeded()
                            : bare(x.outcome.status());
                    trySendFinal(x);
                } else {
                    LOG.error("Thing '{}': the final status of job {} was refused: {}", thing, x.jobId(), r.getMessage());
                    done(x, null);
                }
                return;
            default:
                LOG.info("Thing '{}': the final status of job {} was refused ({}); retrying", thing, x.jobId(), r.getMessage());
                retryFinal(x);
        }
    }

    private static JobOutcome bare(JobExecutionStatus status) {
        // a reason the service must accept: short, plain
        return status == JobExecutionStatus.FAILED ? JobOutcome.failed("failed") : JobOutcome.rejected("rejected");
    }

    private void retryFinal(Execution x) {
        long delay = backoff(x.failures++);
        x.retryTask = loop.schedule(() -> {
            x.retryTask = null;
            trySendFinal(x);
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * @param status the terminal status the service confirmed; {@code null} when the engine gave up on the
     *               execution without knowing (it is looked at again later, after a delay)
     */
    private void done(Execution x, JobExecutionStatus status) {
        if (status == null) {
            if (x.cancelTimer != null) {
                x.cancelTimer.cancel(false);
            }
            if (current == x) {
                current = null;
            }
            lookWanted = true;
            scheduleLookRetry();
            return;
        }
        Key key = new Key(x.execution);
        finished.add(key);
        if (finished.size() > REMEMBERED_FINISHED) {
            Iterator<Key> it = finished.iterator();
            it.next();
            it.remove();
        }
        LOG.info("Thing '{}': job {} (execution {}) is {}", thing, x.jobId(), x.executionNumber(), status);
        Map<String, String> details = status == x.outcome.status() ? x.outcome.statusDetails() : Map.of();
        for (ExecutionObserver o : observers) {
            try {
                o.finished(x.jobId(), x.executionNumber(), status, details);
            } catch (RuntimeException ex) {
                LOG.warn("observer threw", ex);
            }
        }
        release(x);
    }

    // ---- verification

    /** Asks the service whether the execution is still IN_PROGRESS; also refreshes its version. */
    private void verify(Execution x) {
        if (current != x || x.cancelled) {
            return;
        }
        if (x.verifying) {
            x.verifyAgain = true;
            return;
        }
        if (!ready()) {
            return;
        }
        x.verifying = true;
        rawDescribe(x.jobId(), x.executionNumber(), false).whenCompleteAsync((answer, failure) -> verified(x, answer, failure),
                loop);
    }

    private void verified(Execution x, ObjectNode answer, Throwable failure) {
        x.verifying = false;
        if (current != x || x.cancelled) {
            return;
        }
        if (failure == null) {
            Optional<JobExecution> e;
            try {
                e = Codec.executionField(answer, thing);
            } catch (Codec.MalformedMessageException ex) {
                e = null;
            }
            if (e != null) {
                if (e.isEmpty()) {
                    ended(x, null, "gone");
                    return;
                }
                if (e.get().status().isTerminal()) {
                    ended(x, e.get().status(), e.get().status().name());
                    return;
                }
                if (x.inFlight == null && !x.finalInFlight) {
                    x.version = e.get().versionNumber();
                }
            }
        } else {
            Throwable t = unwrap(failure);
            if (t instanceof JobsRejectedException) {
                JobsErrorCode code = ((JobsRejectedException) t).errorCode();
                if (code == JobsErrorCode.TERMINAL_STATE_REACHED || code == JobsErrorCode.RESOURCE_NOT_FOUND) {
                    ended(x, null, code == JobsErrorCode.RESOURCE_NOT_FOUND ? "gone" : "in a terminal state");
                    return;
                }
            }
            LOG.debug("Thing '{}': checking job {} failed: {}", thing, x.jobId(), t.toString());
        }
        if (x.verifyAgain) {
            x.verifyAgain = false;
            verify(x);
            return;
        }
        if (x.handlerDone) {
            trySendFinal(x);
        } else {
            sendProgress(x);
        }
    }

    /** A duration in words: "30 s", "0.4 s". */
    static String text(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    // =================================================================== small types

    /** An execution's identity. */
    private static final class Key {
        final String jobId;
        final long executionNumber;

        Key(JobExecution e) {
            this.jobId = e.jobId();
            this.executionNumber = e.executionNumber();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).jobId.equals(jobId) && ((Key) o).executionNumber == executionNumber;
        }

        @Override
        public int hashCode() {
            return jobId.hashCode() * 31 + Long.hashCode(executionNumber);
        }
    }

    /** An execution waiting for a handler to be registered. */
    private static final class Waiting {
        final Key key;
        ScheduledFuture<?> timer;
        boolean expired;

        Waiting(Key key) {
            this.key = key;
        }
    }
}
