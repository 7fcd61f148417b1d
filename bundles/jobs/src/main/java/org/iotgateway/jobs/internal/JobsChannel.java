package org.iotgateway.jobs.internal;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jobs request / answer scheme of one connection, shared by the jobs services of every thing
 * that uses the connection: client tokens unique on the connection, answers matched to requests by
 * token, request timeouts, and the subscriptions of each thing (six per thing, or six with thing
 * wildcards shared by every thing in {@code shared} mode). One thing can be registered once per
 * connection: two jobs services for the same thing on one connection would take each other's jobs.
 */
final class JobsChannel {

    private static final Logger LOG = LoggerFactory.getLogger(JobsChannel.class);
    private static final Map<IoTConnection, JobsChannel> CHANNELS = new IdentityHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicInteger TIMER_THREADS = new AtomicInteger();

    /** What a thing's registration receives besides answers to its requests (called on connection dispatcher threads). */
    interface Sink {
        void notifyReceived(ObjectNode message);

        void notifyNextReceived(ObjectNode message);
    }

    private final IoTConnection connection;
    private final String tokenPrefix;
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Set<String> things = new HashSet<>();
    private final ScheduledThreadPoolExecutor timer;
    private int users;

    private JobsChannel(IoTConnection connection) {
        this.connection = connection;
        this.tokenPrefix = "gw" + Long.toString(RANDOM.nextLong() & 0xffffffffffL, 36) + "-";
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "iotgw-jobs-timer-" + TIMER_THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** @return the channel of the connection, created on first use; {@link #release()} it when done */
    static JobsChannel acquire(IoTConnection connection) {
        synchronized (CHANNELS) {
            JobsChannel c = CHANNELS.computeIfAbsent(connection, JobsChannel::new);
            c.users++;
            return c;
        }
    }

    void release() {
        synchronized (CHANNELS) {
            if (--users == 0) {
                CHANNELS.remove(connection);
                timer.shutdownNow();
            }
        }
    }

    IoTConnection connection() {
        return connection;
    }

    /**
     * Subscribes the thing's answers and notifications.
     *
     * @param shared whether to use the thing-wildcard filters shared by every thing of the connection
     * @throws IllegalStateException if the thing is registered on this connection already
     */
    Registration register(String thing, boolean shared, QoS qos, Sink sink) {
        synchronized (things) {
            if (!things.add(thing)) {
                throw new IllegalStateException("thing '" + thing + "' already has a jobs service on connection '"
                        + connection.id() + "'; two would take each other's jobs");
            }
        }
        Registration r = new Registration(thing, sink);
        r.subscribe(shared, qos);
        return r;
    }

    /**
     * Publishes a request and returns its {@code accepted} answer.
     *
     * @param ready   the request is published once this completes (the subscriptions are in place)
     * @param what    the request in words, for messages
     * @return completes with the accepted answer; fails with {@link org.iotgateway.api.jobs.JobsRejectedException},
     *         {@link OperationTimeoutException} after {@code timeout} (counted from now), or the publish's failure
     */
    CompletableFuture<ObjectNode> request(CompletableFuture<Void> ready, String thing, String topic, ObjectNode body,
            QoS qos, Duration timeout, String what) {
        String token = tokenPrefix + Long.toString(tokens.incrementAndGet(), 36);
        body.put("clientToken", token);
        byte[] payload = Codec.bytes(body);
        Pending p = new Pending(thing, what);
        pending.put(token, p);
        p.future.whenComplete((o, t) -> pending.remove(token));
        try {
            ScheduledFuture<?> timeoutTask = timer.schedule(() -> p.future.completeExceptionally(new OperationTimeoutException(
                    what + ": no answer from AWS IoT Jobs within " + timeout.toMillis() + " ms")), timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            p.future.whenComplete((o, t) -> timeoutTask.cancel(false));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            p.future.completeExceptionally(new IoTException(what + ": the jobs service is closed"));
            return p.future;
        }
        ready.whenComplete((v, t) -> {
            if (t != null) {
                p.future.completeExceptionally(new IoTException(what + ": the jobs topics are not subscribed: "
                        + (t.getCause() != null ? t.getCause().getMessage() : t.getMessage()), t));
                return;
            }
            if (p.future.isDone()) {
                return;
            }
            try {
                connection.publish(IoTMessage.of(topic, payload, qos)).whenComplete((ok, error) -> {
                    if (error != null) {
                        p.future.completeExceptionally(error instanceof IoTException ? error
                                : new IoTException(what + ": publish failed: " + error.getMessage(), error));
                    }
                });
            } catch (RuntimeException e) {
                p.future.completeExceptionally(e);
            }
        });
        return p.future;
    }

    /** @return requests waiting for an answer (all things) */
    int pendingRequests() {
        return pending.size();
    }

    private void answer(JobsTopics.Parsed topic, IoTMessage message) {
        ObjectNode o;
        try {
            o = Codec.parse(message.payload());
        } catch (Codec.MalformedMessageException e) {
            LOG.warn("Connection '{}': ignoring a malformed jobs answer on '{}': {}", connection.id(), message.topic(),
                    e.getMessage());
            return;
        }
        String token = Codec.clientToken(o).orElse(null);
        if (token == null) {
            LOG.debug("Connection '{}': jobs answer without client token on '{}'", connection.id(), message.topic());
            return;
        }
        Pending p = pending.get(token);
        if (p == null || !p.thing.equals(topic.thing)) {
            // another client's, or answered / timed out already
            return;
        }
        if (topic.kind == JobsTopics.Kind.ACCEPTED) {
            p.future.complete(o);
        } else {
            p.future.completeExceptionally(Codec.rejection(o, p.what));
        }
    }

    private static final class Pending {
        final String thing;
        final String what;
        final CompletableFuture<ObjectNode> future = new CompletableFuture<>();

        Pending(String thing, String what) {
            this.thing = thing;
            this.what = what;
        }
    }

    /** A thing's subscriptions on the channel. */
    final class Registration implements MessageListener {
        private final String thing;
        private final Sink sink;
        private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
        private final List<Subscription> subscriptions = new ArrayList<>();
        private boolean closed;

        Registration(String thing, Sink sink) {
            this.thing = thing;
            this.sink = sink;
        }

        private void subscribe(boolean shared, QoS qos) {
            List<String> filters = JobsTopics.filters(shared ? "+" : thing);
            List<CompletableFuture<Subscription>> all = new ArrayList<>();
            for (String filter : filters) {
                CompletableFuture<Subscription> f;
                try {
                    f = connection.subscribe(filter, qos, this).toCompletableFuture();
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.thenAccept(s -> {
                    boolean drop;
                    synchronized (this) {
                        drop = closed;
                        if (!drop) {
                            subscriptions.add(s);
                        }
                    }
                    if (drop) {
                        s.unsubscribe();
                    }
                });
                all.add(f);
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).whenComplete((v, t) -> {
                if (t == null) {
                    subscribed.complete(null);
                } else {
                    subscribed.completeExceptionally(t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                            ? t.getCause() : t);
                }
            });
        }

        /** @return completes once every subscription of the thing is granted */
        CompletableFuture<Void> subscribed() {
            return subscribed;
        }

        String thing() {
            return thing;
        }

        @Override
        public void messageArrived(IoTMessage message) {
            JobsTopics.Parsed topic = JobsTopics.parse(message.topic());
            if (topic == null || !topic.thing.equals(thing)) {
                return;
            }
            switch (topic.kind) {
                case ACCEPTED:
                case REJECTED:
                    answer(topic, message);
                    return;
                default:
                    break;
            }
            ObjectNode o;
            try {
                o = Codec.parse(message.payload());
            } catch (Codec.MalformedMessageException e) {
                LOG.warn("Thing '{}': ignoring a malformed {} message: {}", thing, topic.kind, e.getMessage());
                return;
            }
            if (topic.kind == JobsTopics.Kind.NOTIFY) {
                sink.notifyReceived(o);
            } else {
                sink.notifyNextReceived(o);
            }
        }

        /** Unsubscribes and fails the thing's requests that wait for an answer. */
        void close() {
            List<Subscription> subs;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                subs = new ArrayList<>(subscriptions);
                subscriptions.clear();
            }
            for (Subscription s : subs) {
                try {
                    s.unsubscribe();
                } catch (RuntimeException e) {
                    LOG.debug("unsubscribe of {} failed: {}", s.filter(), e.toString());
                }
            }
            synchronized (things) {
                things.remove(thing);
            }
            IoTException closedError = new IoTException("the jobs service of thing '" + thing
                    + "' left connection '" + connection.id() + "'");
            pending.values().removeIf(p -> {
                if (p.thing.equals(thing)) {
                    p.future.completeExceptionally(closedError);
                    return true;
                }
                return false;
            });
            subscribed.completeExceptionally(closedError);
        }
    }
}
