package org.iotgateway.shadow.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the shadows on one {@link IoTConnection} share: the MQTT subscriptions (planned by
 * {@link FilterPlan} within a budget, so 200 shadows need 2 filters rather than 200 or 1,200), the
 * routing of replies to shadows by topic and client token, the request window (at most
 * {@code max.inflight} requests sent and unanswered on the connection) and the reaction to the
 * connection's state.
 * <p>
 * <b>Locking.</b> The router's lock is never held while calling into a {@link ShadowClient} or completing
 * a request; clients may call the router while holding their own lock. What the connection's stages
 * trigger in the router (subscription results, publish failures) runs on the engine's pool, so it never
 * runs on a thread that holds a lock.
 */
final class ShadowRouter implements MessageListener, ConnectionStateListener {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowRouter.class);

    private enum Status {
        PENDING, ACKED, FAILED
    }

    /** One subscription of the router's listener to a filter. */
    private static final class FilterState {
        final String filter;
        final QoS qos;
        Status status = Status.PENDING;
        Subscription subscription;
        Throwable failure;
        /** No longer planned: unsubscribe once nothing relies on it. */
        boolean retiring;
        /** Unsubscribed (or to be, as soon as the SUBACK arrives). */
        boolean removed;
        /** When every shadow it covers became covered by an acknowledged planned filter (nanoTime), or 0. */
        long redundantSince;

        FilterState(String filter, QoS qos) {
            this.filter = filter;
            this.qos = qos;
        }
    }

    private final ShadowEngine engine;
    private final IoTConnection connection;
    private final int budget;
    private final long lingerNanos;
    private final Object lock = new Object();

    // --- guarded by lock ---
    private final Set<ShadowClient> clients = new LinkedHashSet<>();
    private final Map<ShadowKey, List<ShadowClient>> byKey = new HashMap<>();
    private final Map<String, FilterState> filters = new LinkedHashMap<>();
    private final List<FilterState> retiring = new ArrayList<>();
    private FilterPlan.Level level;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final Map<String, Request> inflight = new HashMap<>();
    private int window = ShadowSettings.DEFAULT_MAX_INFLIGHT;
    private boolean closed;
    private boolean retireCheckScheduled;

    ShadowRouter(ShadowEngine engine, IoTConnection connection, int budget, long lingerMillis) {
        this.engine = engine;
        this.connection = connection;
        this.budget = budget;
        this.lingerNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(lingerMillis);
    }

    void start() {
        connection.addStateListener(this);
    }

    IoTConnection connection() {
        return connection;
    }

    String connectionName() {
        try {
            return connection.id();
        } catch (RuntimeException e) {
            return String.valueOf(connection);
        }
    }

    // ------------------------------------------------------------------ clients

    /**
     * Attaches a client and queues its requests that were waiting for a connection (in order).
     */
    void attach(ShadowClient client, List<Request> waiting) {
        synchronized (lock) {
            clients.add(client);
            byKey.computeIfAbsent(client.key(), k -> new ArrayList<>(1)).add(client);
            for (Request r : waiting) {
                r.router = this;
                queue.add(r);
            }
            recomputeWindowLocked();
            replanLocked();
            pumpLocked();
        }
    }

    /**
     * Detaches a client: its unsent requests are returned (to be sent on the next connection), its sent
     * requests fail with {@link ConnectionClosedException} because their replies would never be routed.
     *
     * @return the client's unsent requests, in order
     */
    List<Request> detach(ShadowClient client, String why) {
        List<Request> unsent = new ArrayList<>();
        List<Request> sent = new ArrayList<>();
        synchronized (lock) {
            if (!clients.remove(client)) {
                return unsent;
            }
            List<ShadowClient> same = byKey.get(client.key());
            if (same != null) {
                same.remove(client);
                if (same.isEmpty()) {
                    byKey.remove(client.key());
                }
            }
            for (Iterator<Request> it = queue.iterator(); it.hasNext();) {
                Request r = it.next();
                if (r.client == client) {
                    it.remove();
                    r.router = null;
                    unsent.add(r);
                }
            }
            for (Iterator<Request> it = inflight.values().iterator(); it.hasNext();) {
                Request r = it.next();
                if (r.client == client) {
                    it.remove();
                    sent.add(r);
                }
            }
            recomputeWindowLocked();
            replanLocked();
            pumpLocked();
        }
        for (Request r : sent) {
            r.client.fail(r, new ConnectionClosedException(r.op.topic() + " of " + r.key.describe() + " was sent on connection '"
                    + connectionName() + "' and " + why + " before the reply arrived; it may or may not have been applied"));
        }
        return unsent;
    }

    /** @return whether no client is attached */
    boolean isEmpty() {
        synchronized (lock) {
            return clients.isEmpty();
        }
    }

    /** A client's interest (requests pending, listeners) or settings changed. */
    void clientChanged() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            recomputeWindowLocked();
            replanLocked();
            pumpLocked();
        }
    }

    /** Unsubscribes everything and stops listening; called when the last client left. */
    void close() {
        List<FilterState> all;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(filters.values());
            all.addAll(retiring);
            filters.clear();
            retiring.clear();
            for (FilterState f : all) {
                unsubscribeLocked(f);
            }
        }
        try {
            connection.removeStateListener(this);
        } catch (RuntimeException e) {
            LOG.debug("removing the state listener of connection '{}': {}", connectionName(), e.toString());
        }
    }

    // ------------------------------------------------------------------ requests

    void submit(Request request) {
        synchronized (lock) {
            request.router = this;
            queue.add(request);
            if (!request.client.persistent() || !readyLocked(request.key)) {
                // per-request subscriptions, or a subscription that is missing or failed before: (re)plan
                replanLocked();
            }
            pumpLocked();
        }
    }

    /**
     * Removes a request that timed out.
     *
     * @return why it had not been answered, or {@code null} if the router no longer holds it
     */
    String removeForTimeout(Request request) {
        synchronized (lock) {
            if (queue.remove(request)) {
                String reason;
                ConnectionState state = connectionState();
                if (state != ConnectionState.CONNECTED) {
                    reason = "connection '" + connectionName() + "' is " + state + "; the request was not sent";
                } else if (!readyLocked(request.key)) {
                    FilterState f = filters.get(FilterPlan.filter(request.key, level == null ? FilterPlan.Level.SHADOW : level));
                    reason = f != null && f.status == Status.FAILED
                            ? "the subscription to the shadow's reply topics failed (" + f.failure + "); the request was not sent"
                            : "the subscription to the shadow's reply topics was not acknowledged; the request was not sent";
                } else {
                    reason = "it waited for one of the " + window + " in-flight slots (max.inflight) and was not sent";
                }
                return reason;
            }
            if (inflight.remove(request.token, request)) {
                pumpLocked();
                return "no reply from the service on connection '" + connectionName() + "'";
            }
            return null;
        }
    }

    private void recomputeWindowLocked() {
        int w = Integer.MAX_VALUE;
        for (ShadowClient c : clients) {
            w = Math.min(w, c.maxInflight());
        }
        window = w == Integer.MAX_VALUE ? ShadowSettings.DEFAULT_MAX_INFLIGHT : w;
    }

    private ConnectionState connectionState() {
        try {
            return connection.state();
        } catch (RuntimeException e) {
            return ConnectionState.CLOSED;
        }
    }

    /** Publishes queued requests of ready shadows, in order, while the window allows. */
    private void pumpLocked() {
        if (closed || queue.isEmpty() || inflight.size() >= window || connectionState() != ConnectionState.CONNECTED) {
            return;
        }
        Map<ShadowKey, Boolean> ready = new HashMap<>();
        for (Iterator<Request> it = queue.iterator(); it.hasNext() && inflight.size() < window;) {
            Request r = it.next();
            if (r.done()) {
                it.remove();
                continue;
            }
            if (!ready.computeIfAbsent(r.key, this::readyLocked)) {
                continue;
            }
            it.remove();
            LOG.debug("Connection '{}': sending {} ({} in flight, window {})", connectionName(), r, inflight.size(), window);
            inflight.put(r.token, r);
            r.deltaVersionAtSend = r.client.deltaVersion();
            r.sent = true;
            try {
                CompletionStage<Void> published = connection.publish(ShadowTopics.requestTopic(r.key, r.op), r.payload, r.qos);
                // only a failure needs the router (on the pool: this may run here, under the lock); a PUBACK
                // costs no hand-off, the reply completes the request
                published.whenComplete((v, t) -> {
                    if (t != null) {
                        failLater(r, t);
                    }
                });
            } catch (RuntimeException e) {
                failLater(r, e);
            }
        }
    }

    private void failLater(Request r, Throwable t) {
        try {
            engine.pool().execute(() -> publishFailed(r, t));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the engine is closing: its close fails what is left
            LOG.debug("Connection '{}': {} failed while the shadow engine closes: {}", connectionName(), r, t.toString());
        }
    }

    private void publishFailed(Request r, Throwable t) {
        synchronized (lock) {
            if (!inflight.remove(r.token, r)) {
                return;
            }
            pumpLocked();
        }
        Throwable cause = unwrap(t);
        IoTException failure;
        if (cause instanceof ConnectionClosedException) {
            failure = new ConnectionClosedException(r.op.topic() + " of " + r.key.describe() + " was handed to connection '"
                    + connectionName() + "', which was closed before the reply arrived (" + cause.getMessage()
                    + "); it may or may not have been applied");
        } else if (cause instanceof IoTException) {
            failure = (IoTException) cause;
        } else {
            failure = new IoTException("publishing the " + r.op.topic() + " request of " + r.key.describe() + " failed: " + cause, cause);
        }
        r.client.fail(r, failure);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // ------------------------------------------------------------------ subscriptions

    private boolean readyLocked(ShadowKey key) {
        for (FilterState f : filters.values()) {
            if (f.status == Status.ACKED && FilterPlan.covers(f.filter, key)) {
                return true;
            }
        }
        for (FilterState f : retiring) {
            if (f.status == Status.ACKED && !f.removed && FilterPlan.covers(f.filter, key)) {
                return true;
            }
        }
        return false;
    }

    /** Brings the subscriptions in line with the shadows that need them now. */
    private void replanLocked() {
        if (closed) {
            return;
        }
        Map<ShadowKey, QoS> needed = new LinkedHashMap<>();
        for (ShadowClient c : clients) {
            if (c.interested()) {
                needed.merge(c.key(), c.qos(), (a, b) -> a.level() >= b.level() ? a : b);
            }
        }
        FilterPlan plan = FilterPlan.plan(needed.keySet(), budget, level);
        if (plan.level != level && level != null && !needed.isEmpty()) {
            if (plan.level.ordinal() > level.ordinal()) {
                LOG.info("Connection '{}': {} shadows need more than {} subscriptions; using {} filter(s) at {} level "
                        + "(the device policy must allow them)", connectionName(), needed.size(), budget, plan.filters.size(),
                        plan.level);
            } else {
                LOG.debug("Connection '{}': {} shadows now use {} filter(s) at {} level", connectionName(), needed.size(),
                        plan.filters.size(), plan.level);
            }
        }
        level = needed.isEmpty() ? level : plan.level;
        for (String filter : plan.filters) {
            QoS qos = QoS.AT_MOST_ONCE;
            for (Map.Entry<ShadowKey, QoS> e : needed.entrySet()) {
                if (e.getValue().level() > qos.level() && FilterPlan.covers(filter, e.getKey())) {
                    qos = e.getValue();
                }
            }
            FilterState existing = filters.get(filter);
            if (existing != null && existing.status != Status.FAILED && existing.qos.level() >= qos.level()) {
                continue;
            }
            if (existing != null) {
                // failed before, or a higher QoS is needed: subscribe anew, retire the old one
                filters.remove(filter);
                if (existing.status == Status.FAILED) {
                    existing.removed = true;
                } else {
                    existing.retiring = true;
                    retiring.add(existing);
                }
            }
            FilterState revived = null;
            for (FilterState r : retiring) {
                if (r.filter.equals(filter) && !r.removed && r.status != Status.FAILED && r.qos.level() >= qos.level()) {
                    revived = r;
                    break;
                }
            }
            if (revived != null) {
                retiring.remove(revived);
                revived.retiring = false;
                revived.redundantSince = 0;
                filters.put(filter, revived);
            } else {
                subscribeLocked(new FilterState(filter, qos));
            }
        }
        for (Iterator<FilterState> it = filters.values().iterator(); it.hasNext();) {
            FilterState f = it.next();
            if (!plan.filters.contains(f.filter)) {
                it.remove();
                f.retiring = true;
                retiring.add(f);
            }
        }
        retireLocked(needed.keySet());
    }

    private void subscribeLocked(FilterState f) {
        filters.put(f.filter, f);
        LOG.debug("Connection '{}': subscribing to '{}' at QoS {}", connectionName(), f.filter, f.qos.level());
        try {
            connection.subscribe(f.filter, f.qos, this).whenCompleteAsync((s, t) -> subscribed(f, s, t), engine.pool());
        } catch (RuntimeException e) {
            engine.pool().execute(() -> subscribed(f, null, e));
        }
    }

    /**
     * Unsubscribes retiring filters nothing relies on any more. A filter that covers no shadow needing
     * replies goes at once. A filter whose shadows are now all covered by acknowledged planned filters
     * lingers a little before it goes: messages that arrived through it just before the new filter took
     * over may still wait in the connection's delivery queue of this subscription, and unsubscribing
     * drops them (replies would be lost, requests time out).
     */
    private void retireLocked(Set<ShadowKey> needed) {
        long now = System.nanoTime();
        long nextCheck = Long.MAX_VALUE;
        for (Iterator<FilterState> it = retiring.iterator(); it.hasNext();) {
            FilterState f = it.next();
            boolean covers = false;
            boolean relied = false;
            for (ShadowKey k : needed) {
                if (FilterPlan.covers(f.filter, k)) {
                    covers = true;
                    if (!coveredByActiveLocked(k)) {
                        relied = true;
                        break;
                    }
                }
            }
            if (relied) {
                f.redundantSince = 0;
                continue;
            }
            if (covers && f.status == Status.ACKED && lingerNanos > 0) {
                if (f.redundantSince == 0) {
                    f.redundantSince = now;
                }
                long due = f.redundantSince + lingerNanos;
                if (due - now > 0) {
                    nextCheck = Math.min(nextCheck, due - now);
                    continue;
                }
            }
            it.remove();
            unsubscribeLocked(f);
        }
        if (nextCheck != Long.MAX_VALUE && !retireCheckScheduled && !closed) {
            retireCheckScheduled = true;
            try {
                engine.timer().schedule(this::retireCheck, nextCheck + 1_000_000, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                retireCheckScheduled = false; // engine closing
            }
        }
    }

    private void retireCheck() {
        synchronized (lock) {
            retireCheckScheduled = false;
            if (closed) {
                return;
            }
            retireLocked(neededLocked());
        }
    }

    private Set<ShadowKey> neededLocked() {
        Set<ShadowKey> needed = new LinkedHashSet<>();
        for (ShadowClient c : clients) {
            if (c.interested()) {
                needed.add(c.key());
            }
        }
        return needed;
    }

    private boolean coveredByActiveLocked(ShadowKey key) {
        for (FilterState f : filters.values()) {
            if (f.status == Status.ACKED && FilterPlan.covers(f.filter, key)) {
                return true;
            }
        }
        return false;
    }

    private void unsubscribeLocked(FilterState f) {
        f.removed = true;
        LOG.debug("Connection '{}': unsubscribing '{}' ({})", connectionName(), f.filter, f.status);
        Subscription s = f.subscription;
        if (s != null) {
            f.subscription = null;
            try {
                s.unsubscribe().whenComplete((v, t) -> {
                    if (t != null) {
                        LOG.debug("Connection '{}': unsubscribing '{}': {}", connectionName(), f.filter, t.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.debug("Connection '{}': unsubscribing '{}': {}", connectionName(), f.filter, e.toString());
            }
        }
        // a pending subscription is removed when its SUBACK arrives (see subscribed)
    }

    private void subscribed(FilterState f, Subscription s, Throwable t) {
        List<Request> failed = new ArrayList<>();
        Throwable cause = t == null ? null : unwrap(t);
        synchronized (lock) {
            if (cause == null) {
                if (f.removed || closed) {
                    f.removed = true;
                    try {
                        s.unsubscribe();
                    } catch (RuntimeException e) {
                        LOG.debug("Connection '{}': unsubscribing '{}': {}", connectionName(), f.filter, e.toString());
                    }
                    return;
                }
                f.status = Status.ACKED;
                f.subscription = s;
                LOG.debug("Connection '{}': subscribed to '{}'", connectionName(), f.filter);
            } else {
                f.status = Status.FAILED;
                f.failure = cause;
                if (f.removed || closed) {
                    return;
                }
                LOG.error("Connection '{}': the subscription to '{}' for shadow replies failed: {}", connectionName(), f.filter,
                        cause.getMessage());
                // requests that depend on it cannot be sent: fail them now rather than at their timeout
                for (Iterator<Request> it = queue.iterator(); it.hasNext();) {
                    Request r = it.next();
                    if (FilterPlan.covers(f.filter, r.key) && !readyLocked(r.key)) {
                        it.remove();
                        failed.add(r);
                    }
                }
            }
            retireLocked(neededLocked());
            pumpLocked();
        }
        for (Request r : failed) {
            r.client.fail(r, cause instanceof IoTException ? (IoTException) cause
                    : new IoTException("subscribing to '" + f.filter + "' for " + r.key.describe() + " failed: " + cause, cause));
        }
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void messageArrived(IoTMessage message) {
        ShadowTopics.Reply reply = ShadowTopics.parse(message.topic());
        if (reply == null) {
            LOG.debug("Connection '{}': ignoring a message on '{}': not a shadow reply topic", connectionName(), message.topic());
            return;
        }
        List<ShadowClient> targets;
        synchronized (lock) {
            List<ShadowClient> list = byKey.get(reply.key);
            targets = list == null ? List.of() : new ArrayList<>(list);
        }
        if (targets.isEmpty()) {
            LOG.trace("Connection '{}': no shadow service for '{}'", connectionName(), message.topic());
            return;
        }
        ObjectNode json;
        try {
            json = ShadowJson.parseObject(message.payload());
        } catch (ShadowJson.MalformedJsonException e) {
            LOG.warn("Connection '{}': ignoring a malformed message on '{}' ({} bytes): {}", connectionName(), message.topic(),
                    message.payloadLength(), e.getMessage());
            return;
        }
        String text = message.payloadAsString();
        switch (reply.kind) {
            case "delta":
                targets.forEach(c -> c.onDelta(json, text));
                return;
            case "documents":
                targets.forEach(c -> c.onDocuments(json, text));
                return;
            default:
                break;
        }
        String token = ShadowJson.token(json);
        Request request = null;
        if (token != null) {
            synchronized (lock) {
                Request r = inflight.get(token);
                if (r != null && r.key.equals(reply.key) && r.op == reply.op()) {
                    inflight.remove(token);
                    request = r;
                    pumpLocked();
                }
            }
        }
        for (ShadowClient c : targets) {
            if (request == null || c != request.client) {
                c.observe(reply, json);
            }
        }
        if (request != null) {
            request.client.onReply(request, reply, json, text);
        } else if (token != null && engine.isOwnToken(token)) {
            LOG.debug("Connection '{}': dropped a late {}/{} reply for {} (token {}): its request already timed out or failed",
                    connectionName(), reply.operation, reply.kind, reply.key, token);
        } else {
            LOG.trace("Connection '{}': ignoring a {}/{} reply for {} with another client's token {}", connectionName(),
                    reply.operation, reply.kind, reply.key, token);
        }
    }

    @Override
    public void stateChanged(ConnectionStateEvent event) {
        if (event.current() == ConnectionState.CONNECTED) {
            List<ShadowClient> all;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                all = new ArrayList<>(clients);
                replanLocked(); // retries subscriptions the broker refused before
                pumpLocked();
            }
            // deltas published while the gateway was offline: read every tracked shadow again
            all.forEach(c -> c.connectionUp(this));
        } else if (event.current() == ConnectionState.CLOSED) {
            List<Request> sent;
            synchronized (lock) {
                sent = new ArrayList<>(inflight.values());
                inflight.clear();
            }
            for (Request r : sent) {
                r.client.fail(r, new ConnectionClosedException(r.op.topic() + " of " + r.key.describe() + " was sent on connection '"
                        + connectionName() + "', which was closed before the reply arrived; it may or may not have been applied"));
            }
        }
    }

    // ------------------------------------------------------------------ inspection (tests, benchmarks)

    /** @return the filters subscribed or being subscribed */
    List<String> activeFilters() {
        synchronized (lock) {
            List<String> out = new ArrayList<>(filters.keySet());
            for (FilterState f : retiring) {
                if (!f.removed) {
                    out.add(f.filter);
                }
            }
            return out;
        }
    }

    /** @return requests sent and unanswered */
    int inflightCount() {
        synchronized (lock) {
            return inflight.size();
        }
    }

    @Override
    public String toString() {
        return "ShadowRouter[" + connectionName() + "]";
    }
}
