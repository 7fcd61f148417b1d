package org.iotgateway.shadow.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.shadow.ShadowChange;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowDocumentListener;
import org.iotgateway.api.shadow.ShadowOperation;
import org.iotgateway.api.shadow.ShadowRejectedException;
import org.iotgateway.api.shadow.ShadowService;
import org.iotgateway.api.shadow.ShadowTimeoutException;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shadow: the {@link ShadowService} implementation, free of OSGi. Created by
 * {@link ShadowEngine#open}, bound to a connection with {@link #setConnection(IoTConnection)} (which may
 * be called again at any time to swap the connection, or with {@code null} to unbind it) and closed with
 * {@link #close()}.
 * <p>
 * <b>Version bookkeeping.</b> A delta is delivered when its version is newer than the newest delta
 * information already delivered (from {@code update/delta} or from a get); the versions of the
 * gateway's own updates do not count, so a delta is never dropped because the gateway's update
 * happened to be acknowledged first (the reference SDK's bug). Every get reconciles: when the shadow's
 * delta changed since what listeners were told, it is delivered. A get that returns a version older
 * than a delta seen before it was sent means the shadow was deleted and re-created (the service
 * restarts versions after 48 h): the bookkeeping starts over. A delete does the same.
 */
public final class ShadowClient implements ShadowService, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowClient.class);

    /** Events waiting for slow listeners of one shadow at most. */
    static final int EVENT_BACKLOG = 10_000;
    /** Extra wait of the blocking variants over the request's own timeout. */
    private static final long BLOCKING_GRACE_MILLIS = 2_000;

    private final ShadowEngine engine;
    private final Object lock = new Object();
    private final SerialExecutor completions;
    private final SerialExecutor events;
    private final List<ShadowDeltaListener> deltaListeners = new CopyOnWriteArrayList<>();
    private final List<ShadowDocumentListener> documentListeners = new CopyOnWriteArrayList<>();

    // --- written under lock, read anywhere ---
    private volatile ShadowSettings settings;
    private volatile ShadowKey key;
    private volatile int outstanding;
    private volatile long deltaVersion = -1;
    private volatile boolean closed;

    // --- guarded by lock ---
    private IoTConnection connection;
    private ShadowRouter router;
    private final ArrayDeque<Request> unrouted = new ArrayDeque<>();
    private Map<String, Object> knownDelta = Map.of();
    private long documentsVersion = -1;
    private long knownVersion = -1;
    private ShadowDocument current;
    private Request syncRequest;
    private boolean syncAgain;

    ShadowClient(ShadowEngine engine, ShadowSettings settings) {
        this.engine = engine;
        this.settings = settings;
        this.key = settings.key();
        String name = "shadow " + key;
        this.completions = new SerialExecutor(engine.pool(), name + " completions", Integer.MAX_VALUE);
        this.events = new SerialExecutor(engine.pool(), name + " listeners", EVENT_BACKLOG);
    }

    // ------------------------------------------------------------------ wiring

    /**
     * Binds the shadow to a connection, or unbinds it ({@code null}). Requests not sent yet move to the
     * new connection; requests sent on the previous one fail with {@link ConnectionClosedException}. Listeners
     * stay attached; the shadow is read again on the new connection.
     *
     * @param newConnection the connection, or {@code null}
     */
    public void setConnection(IoTConnection newConnection) {
        synchronized (lock) {
            if (closed || newConnection == connection) {
                return;
            }
            List<Request> moving = unbindLocked(newConnection == null ? "was unbound from the shadow service"
                    : "was replaced by connection '" + safeId(newConnection) + "'");
            connection = newConnection;
            if (newConnection == null) {
                unrouted.addAll(moving);
                return;
            }
            moving.addAll(unrouted);
            unrouted.clear();
            router = engine.acquire(newConnection);
            router.attach(this, moving);
            LOG.debug("Shadow {}: bound to connection '{}'", key, safeId(newConnection));
            if (tracking()) {
                requestSyncLocked();
            }
        }
    }

    /** @return the unsent requests of the router left */
    private List<Request> unbindLocked(String why) {
        ShadowRouter old = router;
        router = null;
        if (old == null) {
            return new ArrayList<>();
        }
        List<Request> moving = old.detach(this, why);
        engine.release(old);
        if (syncRequest != null && syncRequest.done()) {
            syncRequest = null;
        }
        return moving;
    }

    private static String safeId(IoTConnection c) {
        try {
            return c.id();
        } catch (RuntimeException e) {
            return String.valueOf(c);
        }
    }

    /** @return the bound connection, or {@code null} */
    public IoTConnection connection() {
        synchronized (lock) {
            return connection;
        }
    }

    /**
     * Applies new settings. A different thing or shadow name makes this service another shadow: pending
     * requests fail with {@link ConnectionClosedException}, the bookkeeping starts over and the new shadow is read.
     *
     * @param newSettings the settings
     */
    public void reconfigure(ShadowSettings newSettings) {
        List<Request> dropped = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            ShadowSettings old = settings;
            if (old.sameAs(newSettings)) {
                return;
            }
            if (old.key().equals(newSettings.key())) {
                boolean wasTracking = tracking();
                settings = newSettings;
                if (router != null) {
                    router.clientChanged();
                    if (!wasTracking && tracking()) {
                        requestSyncLocked();
                    }
                }
                return;
            }
            IoTConnection c = connection;
            dropped.addAll(unbindLocked("the shadow service was reconfigured to " + newSettings.key().describe()));
            dropped.addAll(unrouted);
            unrouted.clear();
            connection = null;
            settings = newSettings;
            key = newSettings.key();
            resetLocked();
            current = null;
            knownVersion = -1;
            LOG.info("Shadow service reconfigured from {} to {}", old.key(), key);
            if (c != null) {
                setConnection(c);
            }
        }
        for (Request r : dropped) {
            fail(r, new ConnectionClosedException(r.op.topic() + " of " + r.key.describe()
                    + " was not sent: the shadow service was reconfigured to another shadow"));
        }
    }

    /**
     * Closes the shadow service: pending requests fail with {@link ConnectionClosedException}, listeners are
     * removed, the connection is left alone (its shared subscriptions are dropped when no shadow needs them).
     */
    @Override
    public void close() {
        List<Request> dropped = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            dropped.addAll(unbindLocked("the shadow service was closed"));
            closed = true;
            dropped.addAll(unrouted);
            unrouted.clear();
            connection = null;
        }
        deltaListeners.clear();
        documentListeners.clear();
        for (Request r : dropped) {
            fail(r, new ConnectionClosedException(r.op.topic() + " of " + r.key.describe() + " was not sent: the shadow service was closed"));
        }
        engine.forget(this);
    }

    // ------------------------------------------------------------------ what the router reads (no locking)

    ShadowKey key() {
        return key;
    }

    QoS qos() {
        return settings.qos;
    }

    int maxInflight() {
        return settings.maxInflight;
    }

    boolean persistent() {
        return settings.persistent;
    }

    long deltaVersion() {
        return deltaVersion;
    }

    /** @return whether the shadow needs its reply topics subscribed now */
    boolean interested() {
        return !closed && (settings.persistent || outstanding > 0 || !deltaListeners.isEmpty() || !documentListeners.isEmpty());
    }

    /** @return whether the shadow follows deltas and changes (and reads the shadow after every reconnect) */
    private boolean tracking() {
        return settings.persistent || !deltaListeners.isEmpty() || !documentListeners.isEmpty();
    }

    /** @return the settings in use */
    public ShadowSettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ API

    @Override
    public String thingName() {
        return key.thing;
    }

    @Override
    public String shadowName() {
        return key.shadow;
    }

    @Override
    public CompletionStage<ShadowDocument> get() {
        return relay(submit(ShadowOperation.GET, null, false));
    }

    @Override
    public CompletionStage<ShadowDocument> update(ShadowUpdate update) {
        if (update == null) {
            throw new InvalidRequestException("the update of " + key.describe() + " is null");
        }
        return relay(submit(ShadowOperation.UPDATE, update, false));
    }

    @Override
    public CompletionStage<Void> delete() {
        return relay(submit(ShadowOperation.DELETE, null, false));
    }

    @Override
    public ShadowDocument getAndWait() {
        return (ShadowDocument) await(submit(ShadowOperation.GET, null, false));
    }

    @Override
    public ShadowDocument updateAndWait(ShadowUpdate update) {
        if (update == null) {
            throw new InvalidRequestException("the update of " + key.describe() + " is null");
        }
        return (ShadowDocument) await(submit(ShadowOperation.UPDATE, update, false));
    }

    @Override
    public void deleteAndWait() {
        await(submit(ShadowOperation.DELETE, null, false));
    }

    @Override
    public Optional<ShadowDocument> current() {
        synchronized (lock) {
            return Optional.ofNullable(current);
        }
    }

    @Override
    public void addDeltaListener(ShadowDeltaListener listener) {
        if (listener == null) {
            throw new InvalidRequestException("delta listener is null");
        }
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("the shadow service of " + key.describe() + " is closed");
            }
            boolean wasTracking = tracking();
            deltaListeners.add(listener);
            ShadowDelta pending = pendingDeltaLocked();
            if (pending != null) {
                // a listener added while a delta is pending learns about it first
                events.execute(() -> deliver(listener, pending));
            }
            listenersChangedLocked(wasTracking);
        }
    }

    @Override
    public void removeDeltaListener(ShadowDeltaListener listener) {
        synchronized (lock) {
            if (deltaListeners.remove(listener)) {
                listenersChangedLocked(true);
            }
        }
    }

    @Override
    public void addDocumentListener(ShadowDocumentListener listener) {
        if (listener == null) {
            throw new InvalidRequestException("document listener is null");
        }
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("the shadow service of " + key.describe() + " is closed");
            }
            boolean wasTracking = tracking();
            documentListeners.add(listener);
            listenersChangedLocked(wasTracking);
        }
    }

    @Override
    public void removeDocumentListener(ShadowDocumentListener listener) {
        synchronized (lock) {
            if (documentListeners.remove(listener)) {
                listenersChangedLocked(true);
            }
        }
    }

    private void listenersChangedLocked(boolean wasTracking) {
        if (router != null && !settings.persistent) {
            router.clientChanged();
        }
        if (!wasTracking && tracking() && router != null) {
            requestSyncLocked();
        }
    }

    /** The delta as last known, if listeners should know about one. */
    private ShadowDelta pendingDeltaLocked() {
        if (deltaVersion < 0) {
            return null;
        }
        Map<String, Object> state = current != null && current.version() >= deltaVersion ? current.delta() : knownDelta;
        if (state.isEmpty()) {
            return null;
        }
        long version = current != null ? Math.max(deltaVersion, current.version()) : deltaVersion;
        return new ShadowDelta(key.thing, key.shadow, state, null, version, null, null, null);
    }

    @Override
    public String toString() {
        return "ShadowService[" + key + "]";
    }

    // ------------------------------------------------------------------ requests

    private Request submit(ShadowOperation op, ShadowUpdate update, boolean sync) {
        ShadowSettings s = settings;
        ShadowKey k = key;
        String token = engine.nextToken();
        byte[] payload = op == ShadowOperation.UPDATE ? ShadowJson.updatePayload(update, token, k) : ShadowJson.tokenOnly(token);
        Request r = new Request(this, k, op, token, payload, s.qos, sync);
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("the shadow service of " + k.describe() + " is closed");
            }
            outstanding++;
            Duration timeout = s.operationTimeout;
            try {
                r.timeoutTask = engine.timer().schedule(() -> timedOut(r, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                outstanding--;
                throw new ConnectionClosedException("the shadow engine is shut down");
            }
            if (router == null) {
                unrouted.add(r);
            } else {
                router.submit(r);
            }
        }
        return r;
    }

    private <T> CompletionStage<T> relay(Request r) {
        CompletableFuture<T> stage = new CompletableFuture<>();
        r.result.whenComplete((v, t) -> completions.execute(() -> {
            if (t == null) {
                @SuppressWarnings("unchecked")
                T value = (T) v;
                stage.complete(value);
            } else {
                stage.completeExceptionally(t);
            }
        }));
        return stage;
    }

    private Object await(Request r) {
        long millis = settings.operationTimeout.toMillis() + BLOCKING_GRACE_MILLIS;
        try {
            return r.result.get(millis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IoTException) {
                throw (IoTException) cause;
            }
            throw new IoTException(r.op.topic() + " of " + r.key.describe() + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            // the request times itself out; this only guards against a stuck timer
            timedOut(r, settings.operationTimeout);
            fail(r, new ShadowTimeoutException(r.op, r.key.thing, r.key.shadow, settings.operationTimeout, "no reply"));
            return await(r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IoTException("interrupted while waiting for the " + r.op.topic() + " of " + r.key.describe(), e);
        }
    }

    private void timedOut(Request r, Duration timeout) {
        String reason;
        synchronized (lock) {
            if (r.done()) {
                return;
            }
            ShadowRouter holder = r.router;
            if (holder != null) {
                reason = holder.removeForTimeout(r);
                if (reason == null) {
                    return; // answered or failed meanwhile
                }
            } else if (unrouted.remove(r)) {
                reason = "no connection is bound to the shadow service (check IoTConnection.target); the request was not sent";
            } else {
                return;
            }
        }
        ShadowTimeoutException e = new ShadowTimeoutException(r.op, r.key.thing, r.key.shadow, timeout, reason);
        if (r.sync) {
            LOG.info("Shadow {}: reading the shadow after a (re)connect timed out: {}", key, reason);
        }
        fail(r, e);
    }

    /** Completes a request exceptionally (once). */
    void fail(Request r, Throwable error) {
        if (r.result.completeExceptionally(error)) {
            done(r);
        }
    }

    private void succeed(Request r, Object value) {
        if (r.result.complete(value)) {
            done(r);
        }
    }

    private void done(Request r) {
        java.util.concurrent.ScheduledFuture<?> t = r.timeoutTask;
        if (t != null) {
            t.cancel(false);
        }
        synchronized (lock) {
            outstanding--;
            if (r.sync && syncRequest == r) {
                syncRequest = null;
                if (syncAgain && !closed) {
                    syncAgain = false;
                    if (router != null) {
                        requestSyncLocked();
                    }
                }
            }
            if (outstanding == 0 && !settings.persistent && router != null) {
                router.clientChanged();
            }
        }
    }

    // ------------------------------------------------------------------ reconnect reconciliation

    /** The router's connection is (again) connected. */
    void connectionUp(ShadowRouter from) {
        synchronized (lock) {
            if (router != from || closed || !tracking()) {
                return;
            }
            requestSyncLocked();
        }
    }

    private void requestSyncLocked() {
        if (closed) {
            return;
        }
        if (syncRequest != null && !syncRequest.done()) {
            if (syncRequest.sent) {
                syncAgain = true; // it may have been answered before the outage: read again afterwards
            }
            return;
        }
        try {
            syncRequest = submit(ShadowOperation.GET, null, true);
        } catch (IoTException e) {
            LOG.debug("Shadow {}: cannot read the shadow: {}", key, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ replies and events

    /** The reply to one of this shadow's requests. */
    void onReply(Request r, ShadowTopics.Reply reply, ObjectNode json, String text) {
        if ("rejected".equals(reply.kind)) {
            int code = ShadowJson.errorCode(json);
            String message = ShadowJson.errorMessage(json);
            if (code == 404) {
                synchronized (lock) {
                    if (current != null || deltaVersion >= 0) {
                        LOG.debug("Shadow {}: does not exist (404); version tracking starts over", key);
                    }
                    resetLocked();
                    current = null;
                }
            }
            if (r.sync && code != 404) {
                LOG.warn("Shadow {}: reading the shadow after a (re)connect was rejected: {} {}", key, code, message);
            }
            fail(r, ShadowRejectedException.of(code, message, r.op, r.key.thing, r.key.shadow));
            return;
        }
        switch (r.op) {
            case GET: {
                ShadowDocument doc = ShadowJson.document(r.key, json, text);
                reconcile(r, json, doc);
                succeed(r, doc);
                return;
            }
            case UPDATE: {
                ShadowDocument doc = ShadowJson.document(r.key, json, text);
                synchronized (lock) {
                    knownVersion = Math.max(knownVersion, doc.version());
                }
                succeed(r, doc);
                return;
            }
            default:
                synchronized (lock) {
                    resetLocked();
                    current = null;
                }
                succeed(r, null);
        }
    }

    /** A get answered: keep the document, deliver the delta if it changed since listeners were told. */
    private void reconcile(Request r, ObjectNode json, ShadowDocument doc) {
        synchronized (lock) {
            if (!r.key.equals(key)) {
                return;
            }
            long v = doc.version();
            if (r.deltaVersionAtSend >= 0 && v < r.deltaVersionAtSend) {
                LOG.info("Shadow {}: version {} is older than delta version {} seen before the request: the shadow was deleted "
                        + "and re-created; version tracking starts over", key, v, r.deltaVersionAtSend);
                resetLocked();
                current = null;
                knownVersion = -1;
            }
            if (current == null || v >= current.version()) {
                current = doc;
            }
            knownVersion = Math.max(knownVersion, v);
            if (v > deltaVersion) {
                Map<String, Object> delta = doc.delta();
                boolean changed = !delta.isEmpty() && !ShadowJson.sameJava(delta, knownDelta);
                deltaVersion = v;
                knownDelta = delta;
                if (changed) {
                    ShadowDelta event = ShadowJson.deltaOfGet(r.key, json);
                    LOG.debug("Shadow {}: delta at version {} found by a get", key, v);
                    publishDeltaLocked(event);
                }
            }
        }
    }

    void onDelta(ObjectNode json, String text) {
        ShadowDelta delta;
        try {
            delta = ShadowJson.delta(key, json, text);
        } catch (ShadowJson.MalformedJsonException e) {
            LOG.warn("Shadow {}: ignoring a malformed update/delta: {}", key, e.getMessage());
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            long v = delta.version();
            if (v <= deltaVersion) {
                LOG.debug("Shadow {}: delta version {} not delivered: version {} already delivered", key, v, deltaVersion);
                return;
            }
            deltaVersion = v;
            knownDelta = ShadowJson.mergeDelta(knownDelta, delta.state());
            knownVersion = Math.max(knownVersion, v);
            publishDeltaLocked(delta);
        }
    }

    void onDocuments(ObjectNode json, String text) {
        ShadowChange change;
        try {
            change = ShadowJson.change(key, json, text);
        } catch (ShadowJson.MalformedJsonException e) {
            LOG.warn("Shadow {}: ignoring a malformed update/documents: {}", key, e.getMessage());
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            long v = change.version();
            if (current == null || v > current.version()) {
                current = change.current();
            }
            knownVersion = Math.max(knownVersion, v);
            if (v <= documentsVersion) {
                LOG.debug("Shadow {}: change to version {} not delivered: version {} already delivered", key, v, documentsVersion);
                return;
            }
            documentsVersion = v;
            for (ShadowDocumentListener l : documentListeners) {
                events.execute(() -> deliver(l, change));
            }
        }
    }

    /** Replies to other clients' requests on this shadow's topics. */
    void observe(ShadowTopics.Reply reply, ObjectNode json) {
        if (!"accepted".equals(reply.kind)) {
            return;
        }
        synchronized (lock) {
            if ("delete".equals(reply.operation)) {
                LOG.debug("Shadow {}: deleted by another client; version tracking starts over", key);
                resetLocked();
                current = null;
            } else {
                knownVersion = Math.max(knownVersion, ShadowJson.version(json));
            }
        }
    }

    private void resetLocked() {
        deltaVersion = -1;
        documentsVersion = -1;
        knownDelta = Map.of();
    }

    private void publishDeltaLocked(ShadowDelta delta) {
        for (ShadowDeltaListener l : deltaListeners) {
            events.execute(() -> deliver(l, delta));
        }
    }

    private void deliver(ShadowDeltaListener l, ShadowDelta delta) {
        if (!deltaListeners.contains(l)) {
            return;
        }
        try {
            l.deltaReceived(delta);
        } catch (RuntimeException e) {
            LOG.error("Shadow {}: delta listener {} threw", key, l, e);
        }
    }

    private void deliver(ShadowDocumentListener l, ShadowChange change) {
        if (!documentListeners.contains(l)) {
            return;
        }
        try {
            l.documentChanged(change);
        } catch (RuntimeException e) {
            LOG.error("Shadow {}: document listener {} threw", key, l, e);
        }
    }

    // ------------------------------------------------------------------ inspection (tests, benchmarks)

    /** @return the newest version seen in any reply or event, or -1 */
    public long knownVersion() {
        synchronized (lock) {
            return knownVersion;
        }
    }

    /** @return requests not answered yet (queued, waiting for a connection, or sent) */
    public int outstandingRequests() {
        return outstanding;
    }
}
