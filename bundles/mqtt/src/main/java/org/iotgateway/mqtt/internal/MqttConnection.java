package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.SocketFactory;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.InvalidTopicException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.NotConnectedException;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.QueueFullException;
import org.iotgateway.api.QueueStorageException;
import org.iotgateway.api.Subscription;
import org.iotgateway.api.SubscriptionRejectedException;
import org.iotgateway.mqtt.internal.spool.Spool;
import org.iotgateway.mqtt.internal.spool.SpooledMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link IoTConnection} on Eclipse Paho's asynchronous client.
 * <p>
 * <b>Publishing.</b> Every accepted publish is appended to the {@link Spool} first and removed once
 * delivered (PUBACK for QoS 1, written for QoS 0). Sending takes entries from the spool in order
 * while the connection is up and fewer than {@code max.inflight} publishes are unacknowledged, so a
 * flood of any size waits its turn instead of failing. When the connection drops, unacknowledged
 * entries are rewound and sent again after the reconnect (at-least-once).
 * <p>
 * <b>Reconnecting.</b> A fresh Paho client per attempt (no state carried over from a broken one);
 * reconnect forever with {@link Backoff}; after CONNACK first restore every subscription (batches of
 * 8 filters per SUBSCRIBE, AWS IoT's limit), then drain the backlog at {@code queue.drain.frequency}.
 * <p>
 * <b>Threads.</b> A single control thread runs connects, timers and state changes. Paho's threads
 * only hand work over: listeners, state listeners and the completion of returned stages run on a
 * pool, serialized per listener, never on Paho's threads.
 */
final class MqttConnection implements IoTConnection {

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

    /** AWS IoT Core accepts at most 8 filters per SUBSCRIBE. */
    static final int SUBSCRIBE_BATCH = 8;
    /** AWS IoT Core's per-connection subscription limit; more is logged. */
    static final int AWS_SUBSCRIPTION_LIMIT = 50;
    /** Messages waiting for one listener at most; beyond it the listener misses messages (logged). */
    static final int LISTENER_BACKLOG = 10_000;

    private static final int SUBACK_FAILURE = 0x80;

    private final String version;
    private final Object lock = new Object();
    private final ScheduledThreadPoolExecutor control;
    private final ExecutorService pool;
    private final SerialExecutor completions;
    private final SerialExecutor stateEvents;
    private final Executor completionExecutor;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final List<ConnectionStateListener> stateListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong droppedInbound = new AtomicLong();

    // --- guarded by lock ---
    private ConnectionSettings settings;
    private SocketFactory socketFactory;
    private Spool spool;
    private final Map<Long, CompletableFuture<Void>> waiting = new HashMap<>();
    private final Map<String, Filter> filters = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> pendingUnsubscribes = new LinkedHashMap<>();
    private MqttAsyncClient client;
    private int generation;
    private ConnectionState state = ConnectionState.DISCONNECTED;
    private boolean sessionReady;
    private boolean draining;
    private int inflight;
    private int drainCredit;
    private PublishListener publishListener;
    private boolean closed;
    private Backoff backoff;
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> stableTask;
    private ScheduledFuture<?> drainTask;
    private ScheduledFuture<?> connectWatchdog;
    private long connectedAtNanos;

    /**
     * @param settings      validated settings
     * @param socketFactory TLS socket factory, {@code null} for plain TCP
     * @param spool         the spool; owned by the connection from now on
     * @param version       the bundle version, for SDK metrics
     */
    MqttConnection(ConnectionSettings settings, SocketFactory socketFactory, Spool spool, String version) {
        this.settings = settings;
        this.socketFactory = socketFactory;
        this.spool = spool;
        this.version = version;
        this.backoff = new Backoff(settings.backoffBaseMillis, settings.backoffMaxMillis);
        String name = "iotgw-" + settings.connectionId;
        this.control = new ScheduledThreadPoolExecutor(1, threads(name + "-control"));
        this.control.setRemoveOnCancelPolicy(true);
        this.pool = Executors.newCachedThreadPool(threads(name + "-dispatch"));
        this.completions = new SerialExecutor(pool, name + " completions", Integer.MAX_VALUE);
        this.completionExecutor = completions::execute;
        this.stateEvents = new SerialExecutor(pool, name + " state events", Integer.MAX_VALUE);
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts connecting. */
    void start() {
        control.execute(this::connectAttempt);
    }

    // ------------------------------------------------------------------ API

    @Override
    public String id() {
        synchronized (lock) {
            return settings.connectionId;
        }
    }

    @Override
    public String clientId() {
        synchronized (lock) {
            return settings.clientId;
        }
    }

    @Override
    public String thingName() {
        synchronized (lock) {
            return settings.thingName;
        }
    }

    @Override
    public ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public long queuedMessages() {
        synchronized (lock) {
            return spool.size();
        }
    }

    /** @return messages dropped because a listener's backlog was full */
    long droppedInboundMessages() {
        return droppedInbound.get();
    }

    @Override
    public CompletionStage<Void> publish(IoTMessage message) {
        CompletableFuture<Void> stage = new AsyncOnlyFuture<>(completionExecutor);
        accept(message, stage);
        return stage;
    }

    /**
     * Like the interface's default, without building an {@link IoTMessage} first: the payload is
     * copied exactly once here (the caller may change its array afterwards), and that copy is what
     * the queue keeps and Paho sends.
     */
    @Override
    public CompletionStage<Void> publish(String topic, byte[] payload, QoS qos) {
        checkArguments(topic, payload, qos);
        Topics.validateTopic(topic);
        checkSize(topic, payload.length);
        CompletableFuture<Void> stage = new AsyncOnlyFuture<>(completionExecutor);
        accept(topic, payload.clone(), qos, false, stage);
        return stage;
    }

    @Override
    public void publishAndWait(String topic, byte[] payload, QoS qos) {
        checkArguments(topic, payload, qos);
        Topics.validateTopic(topic);
        checkSize(topic, payload.length);
        CompletableFuture<Void> raw = new CompletableFuture<>();
        accept(topic, payload.clone(), qos, false, raw);
        await(raw, "publish to '" + topic + "'", "; the message stays queued and will still be delivered");
    }

    /** The checks {@link IoTMessage#of(String, byte[], QoS)} makes, with the same messages. */
    private static void checkArguments(String topic, byte[] payload, QoS qos) {
        if (topic == null) {
            throw new InvalidTopicException(null, "topic is null");
        }
        if (payload == null) {
            throw new InvalidRequestException("payload of a message to topic '" + topic + "' is null; use an empty payload instead");
        }
        if (qos == null) {
            throw new InvalidRequestException("QoS of a message to topic '" + topic + "' is null");
        }
    }

    /**
     * The stage handed to callers: completed on the completion executor, so that callbacks chained
     * on it never run on Paho's threads or the control thread. The blocking variants wait on the
     * internal future instead, so a callback that blocks cannot starve them.
     */
    private <T> CompletableFuture<T> relay(CompletableFuture<T> internal) {
        CompletableFuture<T> relayed = new CompletableFuture<>();
        internal.whenComplete((value, failure) -> completions.execute(() -> {
            if (failure == null) {
                relayed.complete(value);
            } else {
                relayed.completeExceptionally(failure);
            }
        }));
        return relayed;
    }

    @Override
    public void publishAndWait(IoTMessage message) {
        CompletableFuture<Void> raw = new CompletableFuture<>();
        accept(message, raw);
        await(raw, "publish to '" + message.topic() + "'",
                "; the message stays queued and will still be delivered");
    }

    /**
     * Validates, appends and starts sending. The future is completed on Paho's or the control
     * thread: hand user code only an {@link AsyncOnlyFuture}.
     */
    private void accept(IoTMessage message, CompletableFuture<Void> future) {
        if (message == null) {
            throw new InvalidRequestException("message is null");
        }
        Topics.validateTopic(message.topic());
        checkSize(message.topic(), message.payloadLength());
        // the message keeps its own copy; this one belongs to the queue and is handed to Paho as is
        accept(message.topic(), message.payload(), message.qos(), message.retain(), future);
    }

    private static void checkSize(String topic, int length) {
        if (length > MAX_PAYLOAD_BYTES) {
            throw new PayloadTooLargeException("payload for topic '" + topic + "'", length, MAX_PAYLOAD_BYTES);
        }
    }

    /**
     * Appends a validated publish and starts sending.
     *
     * @param payload owned by the connection from now on: never modified, never handed to the caller
     */
    private void accept(String topic, byte[] payload, QoS qos, boolean retain, CompletableFuture<Void> future) {
        List<SpooledMessage> batch;
        MqttAsyncClient target;
        PublishListener listener;
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("connection '" + settings.connectionId + "' is closed");
            }
            if (state != ConnectionState.CONNECTED) {
                if (settings.queueSize == 0) {
                    future.completeExceptionally(new NotConnectedException("connection '" + settings.connectionId
                            + "' is " + state + " and its offline queue is disabled (queue.size=0)"));
                    return;
                }
                if (settings.queueSize > 0 && spool.size() >= settings.queueSize) {
                    if (settings.dropPolicy == ConnectionSettings.DropPolicy.DROP_NEWEST) {
                        future.completeExceptionally(new QueueFullException("offline queue of connection '"
                                + settings.connectionId + "' is full (" + settings.queueSize
                                + " messages, DROP_NEWEST): publish to '" + topic + "' rejected"));
                        return;
                    }
                    long evicted = spool.removeOldest();
                    CompletableFuture<Void> victim = waiting.remove(evicted);
                    if (victim != null) {
                        victim.completeExceptionally(new QueueFullException("offline queue of connection '"
                                + settings.connectionId + "' is full (" + settings.queueSize
                                + " messages, DROP_OLDEST): evicted to make room for a newer publish"));
                    }
                }
            }
            SpooledMessage entry;
            try {
                entry = spool.append(topic, payload, qos.level(), retain);
            } catch (IOException e) {
                LOG.error("Connection '{}': could not store a publish to '{}' in the offline queue: {}",
                        settings.connectionId, topic, e.toString());
                future.completeExceptionally(new QueueStorageException("offline queue of connection '"
                        + settings.connectionId + "' could not store the publish to '" + topic + "': " + e.getMessage(), e));
                return;
            }
            waiting.put(entry.sequence(), future);
            // Usually nobody is sending: take the sending role and the entry in this same lock round instead of
            // locking again in pump(). Otherwise the holder of sendLock sends it (also when re-entered from a send).
            if (sendLock.isHeldByCurrentThread() || !sendLock.tryLock()) {
                return;
            }
            batch = new ArrayList<>(1);
            takeLocked(batch);
            if (batch.isEmpty()) {
                sendLock.unlock();
                return;
            }
            target = client;
            listener = publishListener;
        }
        sendHoldingSendLock(batch, target, listener);
    }

    @Override
    public CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener) {
        return relay(subscribeRaw(filter, qos, listener, null));
    }

    @Override
    public Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener) {
        return await(subscribeRaw(filter, qos, listener, null), "subscribe to '" + filter + "'",
                "; the subscription stays in place and is retried after a reconnect");
    }

    /**
     * @param owner a whiteboard service reference or {@code null} for API subscriptions
     */
    CompletableFuture<Subscription> subscribeRaw(String filter, QoS qos, MessageListener listener, Object owner) {
        Topics.validateFilter(filter);
        if (qos == null) {
            throw new InvalidRequestException("QoS of the subscription to '" + filter + "' is null");
        }
        if (listener == null) {
            throw new InvalidRequestException("listener of the subscription to '" + filter + "' is null");
        }
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("connection '" + settings.connectionId + "' is closed");
            }
            Filter f = filters.get(filter);
            boolean send;
            if (f == null) {
                f = new Filter(filter, qos);
                filters.put(filter, f);
                if (filters.size() > AWS_SUBSCRIPTION_LIMIT) {
                    LOG.warn("Connection '{}' now has {} subscriptions; AWS IoT Core allows about {} per connection",
                            settings.connectionId, filters.size(), AWS_SUBSCRIPTION_LIMIT);
                }
                send = true;
            } else {
                send = qos.level() > f.qos.level() || !f.acknowledged;
                if (qos.level() > f.qos.level()) {
                    f.qos = qos;
                    f.acknowledged = false;
                }
            }
            List<CompletableFuture<Void>> unsubscribing = pendingUnsubscribes.remove(filter);
            if (unsubscribing != null) {
                unsubscribing.forEach(u -> u.complete(null));
            }
            ListenerRegistration reg = new ListenerRegistration(f, qos, listener, owner);
            f.listeners.add(reg);
            CompletableFuture<Subscription> result = new CompletableFuture<>();
            if (f.acknowledged && !send) {
                result.complete(reg);
            } else {
                f.waiters.add(new Waiter(reg, result));
                if (send && client != null && state == ConnectionState.CONNECTED) {
                    sendSubscribeLocked(List.of(f));
                }
            }
            return result;
        }
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter) {
        return relay(unsubscribeRaw(filter));
    }

    @Override
    public void unsubscribeAndWait(String filter) {
        await(unsubscribeRaw(filter), "unsubscribe from '" + filter + "'", "");
    }

    private CompletableFuture<Void> unsubscribeRaw(String filter) {
        Topics.validateFilter(filter);
        synchronized (lock) {
            Filter f = filters.get(filter);
            if (f == null) {
                return CompletableFuture.completedFuture(null);
            }
            for (ListenerRegistration reg : f.listeners) {
                reg.active = false;
            }
            f.listeners.clear();
            return removeFilterLocked(f);
        }
    }

    /** Removes one listener; unsubscribes the filter when it was the last one. */
    private CompletableFuture<Void> removeListener(ListenerRegistration reg) {
        synchronized (lock) {
            if (!reg.active) {
                return CompletableFuture.completedFuture(null);
            }
            reg.active = false;
            Filter f = reg.filter;
            f.listeners.remove(reg);
            f.waiters.removeIf(w -> {
                if (w.registration == reg) {
                    w.result.completeExceptionally(new IoTException("subscription to '" + f.filter + "' was removed before the broker acknowledged it"));
                    return true;
                }
                return false;
            });
            if (!f.listeners.isEmpty() || filters.get(f.filter) != f) {
                return CompletableFuture.completedFuture(null);
            }
            return removeFilterLocked(f);
        }
    }

    private CompletableFuture<Void> removeFilterLocked(Filter f) {
        filters.remove(f.filter);
        for (Waiter w : f.waiters) {
            w.result.completeExceptionally(new IoTException("subscription to '" + f.filter + "' was unsubscribed before the broker acknowledged it"));
        }
        f.waiters.clear();
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (client != null && state == ConnectionState.CONNECTED) {
            sendUnsubscribeLocked(f.filter, List.of(done));
        } else {
            // sent after the next reconnect: a persistent session still holds the subscription
            pendingUnsubscribes.computeIfAbsent(f.filter, k -> new ArrayList<>()).add(done);
            if (settings.cleanSession) {
                // a clean session forgets it anyway; nobody needs to wait
                done.complete(null);
            }
        }
        return done;
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        if (listener == null) {
            throw new InvalidRequestException("state listener is null");
        }
        stateListeners.add(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        stateListeners.remove(listener);
    }

    private <T> T await(CompletableFuture<T> future, String what, String timeoutNote) {
        Duration timeout = operationTimeout();
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new OperationTimeoutException(what + " on connection '" + id() + "' did not complete within "
                    + timeout.toMillis() + " ms (operation.timeout)" + timeoutNote);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IoTException(what + " interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IoTException) {
                throw (IoTException) cause;
            }
            throw new IoTException(what + " failed: " + cause, cause);
        }
    }

    private Duration operationTimeout() {
        synchronized (lock) {
            return settings.operationTimeout;
        }
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends what the window and the drain mode allow, in spool order. Paho is called outside
     * {@code lock}, so its callback thread (acks, incoming messages) never waits for a publish in
     * progress; order is kept because only the holder of {@code sendLock} takes entries from the
     * spool, and it releases {@code sendLock} under {@code lock} only when nothing is left to take.
     * A caller that finds {@code sendLock} taken leaves its work to the holder. Call without
     * holding {@code lock}.
     */
    private void pump() {
        if (sendLock.isHeldByCurrentThread()) {
            return; // re-entered from a send: the loop in sendHoldingSendLock picks the work up
        }
        List<SpooledMessage> batch = new ArrayList<>();
        MqttAsyncClient target;
        PublishListener listener;
        synchronized (lock) {
            if (!sendLock.tryLock()) {
                return;
            }
            takeLocked(batch);
            if (batch.isEmpty()) {
                sendLock.unlock();
                return;
            }
            target = client;
            listener = publishListener;
        }
        sendHoldingSendLock(batch, target, listener);
    }

    /**
     * Sends a batch taken under {@code lock} by the holder of {@code sendLock}, then takes and sends more until
     * nothing is left, and releases {@code sendLock} under {@code lock}. Call without holding {@code lock}.
     */
    private void sendHoldingSendLock(List<SpooledMessage> batch, MqttAsyncClient target, PublishListener listener) {
        while (true) {
            for (SpooledMessage m : batch) {
                try {
                    target.publish(m.topic(), new OutgoingMessage(m), m, listener);
                } catch (MqttException | RuntimeException e) {
                    LOG.warn("Connection '{}': Paho refused a publish ({}); reconnecting", id(), e.toString());
                    final int gen = listener.generation;
                    final MqttAsyncClient refused = target;
                    control.execute(() -> connectionLost(gen, refused, e));
                    break; // the rest was counted in flight; the reconnect rewinds it
                }
            }
            synchronized (lock) {
                batch.clear();
                takeLocked(batch);
                if (batch.isEmpty()) {
                    sendLock.unlock();
                    return;
                }
                target = client;
                listener = publishListener;
            }
        }
    }

    /** @return whether {@link #takeLocked} would take an entry now. Caller holds lock. */
    private boolean sendableLocked() {
        return sessionReady && client != null && inflight < settings.maxInflight && (!draining || drainCredit > 0)
                && spool.hasNext();
    }

    /** Takes the entries that may be sent now into the batch. Caller holds lock and sendLock. */
    private void takeLocked(List<SpooledMessage> batch) {
        if (!sessionReady || client == null) {
            return;
        }
        int allowance = settings.maxInflight - inflight;
        if (draining) {
            allowance = Math.min(allowance, drainCredit);
        }
        while (allowance-- > 0) {
            SpooledMessage m;
            try {
                m = spool.next();
            } catch (IOException e) {
                LOG.error("Connection '{}': could not read the offline queue: {}", settings.connectionId, e.toString());
                return;
            }
            if (m == null) {
                return;
            }
            inflight++;
            if (draining) {
                drainCredit--;
            }
            if (publishListener == null || publishListener.generation != generation) {
                publishListener = new PublishListener(generation);
            }
            batch.add(m);
        }
    }

    /** Completion of the publishes of one client; the message travels as the token's user context. */
    private final class PublishListener implements IMqttActionListener {
        final int generation;

        PublishListener(int generation) {
            this.generation = generation;
        }

        @Override
        public void onSuccess(IMqttToken token) {
            delivered(generation, ((SpooledMessage) token.getUserContext()).sequence());
        }

        @Override
        public void onFailure(IMqttToken token, Throwable exception) {
            // the connection is going down; connectionLost rewinds and the entry is sent again
            LOG.debug("Connection '{}': a publish was not acknowledged: {}", id(), String.valueOf(exception));
        }
    }

    private void delivered(int gen, long seq) {
        CompletableFuture<Void> future;
        boolean more;
        synchronized (lock) {
            if (gen != generation) {
                return; // a previous connection's late ack; the entry was rewound and is resent
            }
            inflight--;
            spool.remove(seq);
            future = waiting.remove(seq);
            // Only pump when an entry waits for the slot this ack freed (a flood, a drain). When the app keeps its
            // own window, nothing does, and Paho's callback thread saves a lock round and an allocation per ack.
            more = sendableLocked();
        }
        if (future != null) {
            future.complete(null);
        }
        if (more) {
            pump();
        }
    }

    private void drainTick() {
        synchronized (lock) {
            if (!draining) {
                return;
            }
            if (!sessionReady) {
                stopDrainingLocked();
                return;
            }
            drainCredit = 1;
        }
        pump();
        synchronized (lock) {
            if (!draining || spool.hasNext()) {
                return;
            }
            stopDrainingLocked();
        }
        pump();
    }

    private void stopDrainingLocked() {
        draining = false;
        drainCredit = 0;
        if (drainTask != null) {
            drainTask.cancel(false);
            drainTask = null;
        }
    }

    // ------------------------------------------------------------------ subscriptions

    private void sendSubscribeLocked(List<Filter> batch) {
        final int gen = generation;
        String[] names = new String[batch.size()];
        int[] qos = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            names[i] = batch.get(i).filter;
            qos[i] = batch.get(i).qos.level();
        }
        try {
            client.subscribe(names, qos, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    subscribed(gen, batch, token.getGrantedQos());
                }

                @Override
                public void onFailure(IMqttToken token, Throwable exception) {
                    LOG.debug("Connection '{}': SUBSCRIBE failed: {}", id(), String.valueOf(exception));
                }
            });
        } catch (MqttException | RuntimeException e) {
            LOG.warn("Connection '{}': could not send SUBSCRIBE ({}); it is retried after the reconnect", settings.connectionId, e.toString());
        }
    }

    private void subscribed(int gen, List<Filter> batch, int[] granted) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Filter f = batch.get(i);
                int g = granted != null && i < granted.length ? granted[i] : SUBACK_FAILURE;
                if (filters.get(f.filter) != f) {
                    continue; // unsubscribed meanwhile
                }
                if (g == SUBACK_FAILURE) {
                    LOG.error("Connection '{}': broker refused the subscription to '{}' (check the device's policy)",
                            settings.connectionId, f.filter);
                    filters.remove(f.filter);
                    SubscriptionRejectedException rejected = new SubscriptionRejectedException(f.filter,
                            "broker refused the subscription to '" + f.filter + "' on connection '" + settings.connectionId
                                    + "' (SUBACK failure 0x80; check the device's policy)");
                    for (ListenerRegistration reg : f.listeners) {
                        reg.active = false;
                    }
                    for (Waiter w : f.waiters) {
                        after.add(() -> w.result.completeExceptionally(rejected));
                    }
                } else {
                    f.acknowledged = true;
                    for (Waiter w : f.waiters) {
                        after.add(() -> w.result.complete(w.registration));
                    }
                }
                f.waiters.clear();
            }
        }
        after.forEach(Runnable::run);
    }

    private void sendUnsubscribeLocked(String filter, List<CompletableFuture<Void>> done) {
        final int gen = generation;
        try {
            client.unsubscribe(filter, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    done.forEach(d -> d.complete(null));
                }

                @Override
                public void onFailure(IMqttToken token, Throwable exception) {
                    synchronized (lock) {
                        if (gen == generation && !filters.containsKey(filter)) {
                            pendingUnsubscribes.computeIfAbsent(filter, k -> new ArrayList<>()).addAll(done);
                        }
                    }
                }
            });
        } catch (MqttException | RuntimeException e) {
            pendingUnsubscribes.computeIfAbsent(filter, k -> new ArrayList<>()).addAll(done);
        }
    }

    /** After CONNACK: restore every subscription, then start sending. Caller holds the lock. */
    private void restoreSessionLocked() {
        final int gen = generation;
        for (Map.Entry<String, List<CompletableFuture<Void>>> e : pendingUnsubscribes.entrySet()) {
            sendUnsubscribeLocked(e.getKey(), e.getValue());
        }
        pendingUnsubscribes.clear();
        List<Filter> all = new ArrayList<>(filters.values());
        if (all.isEmpty()) {
            sessionRestored(gen);
            return;
        }
        AtomicInteger outstanding = new AtomicInteger((all.size() + SUBSCRIBE_BATCH - 1) / SUBSCRIBE_BATCH);
        for (int i = 0; i < all.size(); i += SUBSCRIBE_BATCH) {
            List<Filter> batch = all.subList(i, Math.min(all.size(), i + SUBSCRIBE_BATCH));
            String[] names = new String[batch.size()];
            int[] qos = new int[batch.size()];
            for (int j = 0; j < batch.size(); j++) {
                names[j] = batch.get(j).filter;
                qos[j] = batch.get(j).qos.level();
                batch.get(j).acknowledged = false;
            }
            List<Filter> copy = List.copyOf(batch);
            try {
                client.subscribe(names, qos, null, new IMqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        subscribed(gen, copy, token.getGrantedQos());
                        if (outstanding.decrementAndGet() == 0) {
                            control.execute(() -> sessionRestored(gen));
                        }
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable exception) {
                        LOG.debug("Connection '{}': resubscribe failed: {}", id(), String.valueOf(exception));
                    }
                });
            } catch (MqttException | RuntimeException e) {
                LOG.warn("Connection '{}': could not resubscribe ({}); reconnecting", settings.connectionId, e.toString());
                final MqttAsyncClient broken = client;
                control.execute(() -> connectionLost(gen, broken, e));
                return;
            }
        }
    }

    private void sessionRestored(int gen) {
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            sessionReady = true;
            if (spool.hasNext() && settings.drainHz > 0) {
                draining = true;
                long periodNanos = (long) (1_000_000_000L / settings.drainHz);
                LOG.info("Connection '{}': draining {} queued publishes at {} Hz", settings.connectionId, spool.size(),
                        settings.drainHz);
                drainTask = control.scheduleAtFixedRate(this::drainTick, 0, Math.max(1, periodNanos), TimeUnit.NANOSECONDS);
                return;
            }
        }
        pump();
    }

    // ------------------------------------------------------------------ connecting

    private void connectAttempt() {
        MqttAsyncClient c;
        MqttConnectOptions options;
        int gen;
        ConnectionSettings s;
        synchronized (lock) {
            if (closed || client != null) {
                return;
            }
            reconnectTask = null;
            s = settings;
            gen = ++generation;
            setStateLocked(ConnectionState.CONNECTING, null);
            try {
                // computed per attempt: a WebSocket URL is signed afresh with the current credentials
                c = new MqttAsyncClient(s.connectUri(), s.clientId, new MemoryPersistence(),
                        KeepAliveTimer.create(control, pool, s.connectionId));
            } catch (MqttException | RuntimeException e) {
                // e.g. no or expired SigV4 credentials: retry with backoff, they may be fixed meanwhile
                LOG.warn("Connection '{}': cannot connect to {}: {}", s.connectionId, s.serverUri(), e.getMessage());
                scheduleReconnectLocked(e);
                return;
            }
            options = connectOptions(s);
            client = c;
            c.setCallback(new Callback(gen, c));
            connectWatchdog = control.schedule(() -> connectTimedOut(gen, c), s.connectTimeoutSeconds + 5L, TimeUnit.SECONDS);
        }
        LOG.info("Connection '{}': connecting to {} as '{}'", s.connectionId, s.serverUri(), s.clientId);
        try {
            c.connect(options, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    boolean sessionPresent = token.getSessionPresent();
                    control.execute(() -> connected(gen, c, sessionPresent));
                }

                @Override
                public void onFailure(IMqttToken token, Throwable exception) {
                    control.execute(() -> connectFailed(gen, c, exception));
                }
            });
        } catch (MqttException | RuntimeException e) {
            control.execute(() -> connectFailed(gen, c, e));
        }
    }

    private MqttConnectOptions connectOptions(ConnectionSettings s) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setAutomaticReconnect(false);
        o.setCleanSession(s.cleanSession);
        o.setKeepAliveInterval(s.keepAliveSeconds);
        o.setConnectionTimeout(s.connectTimeoutSeconds);
        // headroom over our own window: Paho must never refuse with "too many publishes in progress"
        o.setMaxInflight(Math.min(65535, s.maxInflight + 2 * SUBSCRIBE_BATCH + 16));
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
        }
        o.setHttpsHostnameVerificationEnabled(s.transport.tls() && s.hostnameVerification);
        String user = s.effectiveUsername(version);
        if (user != null) {
            o.setUserName(user);
        }
        if (!s.password.isEmpty()) {
            o.setPassword(s.password.toCharArray());
        }
        if (s.will != null) {
            o.setWill(s.will.topic, s.will.payload, s.will.qos.level(), s.will.retain);
        }
        return o;
    }

    private void connected(int gen, MqttAsyncClient c, boolean sessionPresent) {
        synchronized (lock) {
            if (gen != generation || client != c || closed) {
                return;
            }
            cancel(connectWatchdog);
            connectWatchdog = null;
            connectedAtNanos = System.nanoTime();
            LOG.info("Connection '{}': connected to {}{}", settings.connectionId, settings.serverUri(),
                    sessionPresent ? " (session resumed)" : "");
            setStateLocked(ConnectionState.CONNECTED, null, negotiated311(settings, sessionPresent), null);
            final Backoff b = backoff;
            stableTask = control.schedule(() -> {
                synchronized (lock) {
                    if (gen == generation) {
                        b.reset();
                    }
                }
            }, settings.stableMillis, TimeUnit.MILLISECONDS);
            restoreSessionLocked();
        }
    }

    private void connectFailed(int gen, MqttAsyncClient c, Throwable cause) {
        synchronized (lock) {
            if (gen != generation || client != c || closed) {
                return;
            }
            MqttReason refused = connackReason(cause);
            LOG.warn("Connection '{}': connecting to {} failed: {}{}", settings.connectionId, settings.serverUri(), describe(cause),
                    refused == null ? "" : " (CONNACK " + refused + ")");
            dropClientLocked();
            scheduleReconnectLocked(cause, refused);
        }
    }

    /**
     * The settings in force on an MQTT 3.1.1 connection: the broker announces nothing in its CONNACK
     * but session present, so everything else is what we asked for or the protocol's default.
     */
    static NegotiatedSettings negotiated311(ConnectionSettings s, boolean sessionPresent) {
        return NegotiatedSettings.builder(MqttVersion.MQTT_3_1_1, s.clientId)
                .keepAlive(Duration.ofSeconds(s.keepAliveSeconds))
                .sessionPresent(sessionPresent)
                // 3.1.1 has no expiry: a clean session ends with the connection, another one never expires
                .sessionExpirySeconds(s.cleanSession ? 0 : 0xFFFF_FFFFL)
                .build();
    }

    /**
     * @param cause why a connect failed
     * @return the MQTT 5 reason code of the same meaning as the MQTT 3.1.1 CONNACK return code that
     *         refused it (Paho reports return codes 1 to 5 as the exception's reason code), or
     *         {@code null} when the broker did not refuse with a CONNACK
     */
    static MqttReason connackReason(Throwable cause) {
        if (!(cause instanceof MqttException)) {
            return null;
        }
        switch (((MqttException) cause).getReasonCode()) {
            case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION: // 1: unacceptable protocol version
                return new MqttReason(0x84, null);
            case MqttException.REASON_CODE_INVALID_CLIENT_ID: // 2: identifier rejected
                return new MqttReason(0x85, null);
            case MqttException.REASON_CODE_BROKER_UNAVAILABLE: // 3: server unavailable
                return new MqttReason(0x88, null);
            case MqttException.REASON_CODE_FAILED_AUTHENTICATION: // 4: bad user name or password
                return new MqttReason(0x86, null);
            case MqttException.REASON_CODE_NOT_AUTHORIZED: // 5: not authorized
                return new MqttReason(0x87, null);
            default:
                return null;
        }
    }

    private void connectTimedOut(int gen, MqttAsyncClient c) {
        synchronized (lock) {
            if (gen != generation || client != c || closed || state == ConnectionState.CONNECTED) {
                return;
            }
            LOG.warn("Connection '{}': no CONNACK from {} within {} s", settings.connectionId, settings.serverUri(),
                    settings.connectTimeoutSeconds);
            dropClientLocked();
            scheduleReconnectLocked(new OperationTimeoutException("connect timed out"));
        }
    }

    private void connectionLost(int gen, MqttAsyncClient c, Throwable cause) {
        synchronized (lock) {
            if (gen != generation || client != c || closed) {
                return;
            }
            boolean wasConnected = state == ConnectionState.CONNECTED;
            double upSeconds = wasConnected ? (System.nanoTime() - connectedAtNanos) / 1e9 : 0;
            // the broker closing a fresh connection is the signature of a duplicate client id
            boolean brief = wasConnected && upSeconds * 1000 < settings.stableMillis
                    && cause instanceof MqttException
                    && ((MqttException) cause).getReasonCode() == MqttException.REASON_CODE_CONNECTION_LOST;
            LOG.warn("Connection '{}': connection to {} lost {}: {}{}", settings.connectionId, settings.serverUri(),
                    wasConnected ? "after " + String.format("%.1f", upSeconds) + " s" : "before it was ready", describe(cause),
                    brief ? " (a connection dropped right after connecting often means another client uses client id '"
                            + settings.clientId + "')" : "");
            dropClientLocked();
            scheduleReconnectLocked(cause);
        }
    }

    /** Forgets the current client: invalidates its callbacks, rewinds unacknowledged publishes. */
    private void dropClientLocked() {
        generation++;
        sessionReady = false;
        stopDrainingLocked();
        inflight = 0;
        spool.rewind();
        cancel(stableTask);
        stableTask = null;
        cancel(connectWatchdog);
        connectWatchdog = null;
        for (Filter f : filters.values()) {
            f.acknowledged = false;
        }
        MqttAsyncClient old = client;
        client = null;
        if (old != null) {
            pool.execute(() -> closeQuietly(old, false));
        }
    }

    private void scheduleReconnectLocked(Throwable cause) {
        scheduleReconnectLocked(cause, null);
    }

    private void scheduleReconnectLocked(Throwable cause, MqttReason reason) {
        if (closed) {
            return;
        }
        setStateLocked(ConnectionState.DISCONNECTED, cause, null, reason);
        long delay = backoff.nextDelayMillis();
        LOG.info("Connection '{}': reconnecting in {} ms (attempt {})", settings.connectionId, delay, backoff.attempts());
        reconnectTask = control.schedule(this::connectAttempt, delay, TimeUnit.MILLISECONDS);
    }

    private static void closeQuietly(MqttAsyncClient c, boolean graceful) {
        try {
            if (c.isConnected()) {
                if (graceful) {
                    c.disconnect(1000).waitForCompletion(2000);
                } else {
                    c.disconnectForcibly(0, 500, false);
                }
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("disconnect: {}", e.toString());
        }
        try {
            c.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("close: {}", e.toString());
        }
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
        if (t instanceof MqttException) {
            sb.append(" (reason ").append(((MqttException) t).getReasonCode()).append(')');
        }
        Throwable cause = t.getCause();
        int depth = 0;
        while (cause != null && depth++ < 4) {
            sb.append(": ").append(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
            cause = cause.getCause();
        }
        return sb.toString();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ------------------------------------------------------------------ reconfiguration and close

    /**
     * Applies new settings: disconnects and reconnects at once with them, keeping subscriptions and
     * queued publishes. A new spool (storage change) receives the queued entries in order.
     */
    void reconfigure(ConnectionSettings newSettings, SocketFactory newSocketFactory, Spool newSpool) {
        Spool old = null;
        synchronized (lock) {
            if (closed) {
                return;
            }
            LOG.info("Connection '{}': configuration changed, reconnecting with the new settings", newSettings.connectionId);
            dropClientLocked();
            cancel(reconnectTask);
            reconnectTask = null;
            if (newSpool != null && newSpool != spool) {
                old = spool;
                migrateLocked(old, newSpool);
                spool = newSpool;
            }
            settings = newSettings;
            socketFactory = newSocketFactory;
            backoff = new Backoff(newSettings.backoffBaseMillis, newSettings.backoffMaxMillis);
            setStateLocked(ConnectionState.DISCONNECTED, new IoTException("the configuration of connection '"
                    + newSettings.connectionId + "' changed; reconnecting with the new settings"));
            reconnectTask = control.schedule(this::connectAttempt, 0, TimeUnit.MILLISECONDS);
        }
        if (old != null) {
            try {
                old.close();
            } catch (IOException e) {
                LOG.warn("Connection '{}': closing the previous offline queue: {}", newSettings.connectionId, e.toString());
            }
        }
    }

    private void migrateLocked(Spool from, Spool to) {
        from.rewind();
        Map<Long, CompletableFuture<Void>> moved = new HashMap<>();
        int count = 0;
        try {
            SpooledMessage m;
            while ((m = from.next()) != null) {
                SpooledMessage copy = to.append(m.topic(), m.payload(), m.qos(), m.retain());
                CompletableFuture<Void> f = waiting.remove(m.sequence());
                if (f != null) {
                    moved.put(copy.sequence(), f);
                }
                from.remove(m.sequence());
                count++;
            }
        } catch (IOException e) {
            LOG.error("Connection '{}': moving queued publishes to the new offline queue failed after {}: {}",
                    settings.connectionId, count, e.toString());
        }
        waiting.putAll(moved);
        LOG.info("Connection '{}': moved {} queued publishes to the new offline queue", settings.connectionId, count);
    }

    /** @return the spool in use (for the component, which owns spool creation) */
    Spool spool() {
        synchronized (lock) {
            return spool;
        }
    }

    ConnectionSettings settings() {
        synchronized (lock) {
            return settings;
        }
    }

    /**
     * Closes for good, closed by the application; see {@link #close(String)}.
     */
    void close() {
        close("was closed by the application");
    }

    /**
     * Closes for good: disconnects cleanly, closes the spool (a disk spool keeps its entries for the
     * next start) and fails every waiting stage with {@link ConnectionClosedException}. State
     * listeners receive {@code DISCONNECTION} (or {@code CONNECTION_FAILURE} when an attempt was
     * under way), with a {@link ConnectionClosedException} naming {@code why}, then {@code STOPPED};
     * nothing after that.
     *
     * @param why how it ended, after "connection 'id' ", for example "was closed: its configuration was deleted"
     */
    void close(String why) {
        MqttAsyncClient c;
        Spool s;
        List<CompletableFuture<Void>> pending;
        List<Waiter> subscribers = new ArrayList<>();
        boolean persistent;
        String serverUri;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            sessionReady = false;
            stopDrainingLocked();
            cancel(reconnectTask);
            cancel(stableTask);
            cancel(connectWatchdog);
            c = client;
            client = null;
            s = spool;
            pending = new ArrayList<>(waiting.values());
            waiting.clear();
            for (Filter f : filters.values()) {
                subscribers.addAll(f.waiters);
                for (ListenerRegistration reg : f.listeners) {
                    reg.active = false;
                }
            }
            filters.clear();
            persistent = settings.storage == ConnectionSettings.Storage.DISK;
            serverUri = settings.serverUri();
            ConnectionClosedException stop = new ConnectionClosedException("connection '" + settings.connectionId
                    + "' " + why);
            if (state == ConnectionState.CONNECTED || state == ConnectionState.CONNECTING) {
                // the last attempt or connection ends first, as it would without the close
                setStateLocked(ConnectionState.DISCONNECTED, stop);
            }
            setStateLocked(ConnectionState.CLOSED, stop);
        }
        boolean wasConnected = c != null && c.isConnected();
        if (c != null) {
            closeQuietly(c, true);
        }
        String id = id();
        long left;
        try {
            left = s.size();
            s.close();
        } catch (IOException e) {
            left = -1;
            LOG.warn("Connection '{}': closing the offline queue: {}", id, e.toString());
        }
        ConnectionClosedException closedException = new ConnectionClosedException("connection '" + id + "' was closed"
                + (persistent ? "; the publish is kept in the disk queue and delivered when the connection starts again"
                        : "; the publish was discarded with the memory queue"));
        pending.forEach(f -> f.completeExceptionally(closedException));
        subscribers.forEach(w -> w.result.completeExceptionally(new ConnectionClosedException("connection '" + id + "' was closed")));
        if (wasConnected) {
            LOG.info("Connection '{}': disconnected from {}", id, serverUri);
        }
        if (left > 0) {
            LOG.info("Connection '{}' closed with {} publishes {}", id, left, persistent ? "kept in the disk queue" : "discarded");
        }
        control.shutdownNow();
        stateEvents.execute(pool::shutdown);
    }

    // ------------------------------------------------------------------ state and inbound messages

    private void setStateLocked(ConnectionState next, Throwable cause) {
        setStateLocked(next, cause, null, null);
    }

    /**
     * Changes the state and queues the event for the state listeners: one serial executor delivers
     * every event of the connection, in the order of the changes, each to every listener, on a pool
     * thread (never Paho's or the control thread).
     *
     * @param negotiated the settings in force, for the change to CONNECTED
     * @param reason     the broker's CONNACK or DISCONNECT reason, if it sent one
     */
    private void setStateLocked(ConnectionState next, Throwable cause, NegotiatedSettings negotiated, MqttReason reason) {
        ConnectionState previous = state;
        if (previous == next) {
            return;
        }
        state = next;
        ConnectionStateEvent event = new ConnectionStateEvent(settings.connectionId, previous, next, cause, Instant.now(),
                negotiated, reason);
        stateEvents.execute(() -> {
            for (ConnectionStateListener l : stateListeners) {
                try {
                    l.stateChanged(event);
                } catch (Throwable e) {
                    // whatever one listener does, the others still get this event and the ones after it
                    LOG.error("Connection '{}': state listener {} threw on {}", event.connectionId(), l, event.type(), e);
                }
            }
        });
    }

    private void messageArrived(int gen, String topic, MqttMessage m) {
        IoTMessage message;
        try {
            message = IoTMessage.received(topic, m.getPayload(), m.getQos() >= 1 ? QoS.AT_LEAST_ONCE : QoS.AT_MOST_ONCE,
                    m.isRetained(), m.isDuplicate());
        } catch (RuntimeException e) {
            LOG.warn("Connection '{}': ignoring a malformed incoming message on '{}': {}", id(), topic, e.getMessage());
            return;
        }
        List<ListenerRegistration> targets = new ArrayList<>(2);
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            for (Filter f : filters.values()) {
                if (Topics.matches(f.filter, topic)) {
                    targets.addAll(f.listeners);
                }
            }
        }
        if (targets.isEmpty()) {
            LOG.debug("Connection '{}': no listener for a message on '{}'", id(), topic);
        }
        for (ListenerRegistration reg : targets) {
            reg.deliver(message);
        }
    }

    /** Paho callbacks of one client instance; they only hand work over. */
    private final class Callback implements MqttCallback {
        private final int gen;
        private final MqttAsyncClient owner;

        Callback(int gen, MqttAsyncClient owner) {
            this.gen = gen;
            this.owner = owner;
        }

        @Override
        public void connectionLost(Throwable cause) {
            control.execute(() -> MqttConnection.this.connectionLost(gen, owner, cause));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                MqttConnection.this.messageArrived(gen, topic, message);
            } catch (RuntimeException e) {
                // never let anything escape into Paho: it would drop the connection
                LOG.error("Connection '{}': dispatching a message on '{}' failed", id(), topic, e);
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // publishes complete through their own action listeners
        }
    }

    /** One MQTT subscription (topic filter) and the listeners sharing it. */
    private static final class Filter {
        final String filter;
        QoS qos;
        boolean acknowledged;
        final List<ListenerRegistration> listeners = new CopyOnWriteArrayList<>();
        final List<Waiter> waiters = new ArrayList<>();

        Filter(String filter, QoS qos) {
            this.filter = filter;
            this.qos = qos;
        }
    }

    private static final class Waiter {
        final ListenerRegistration registration;
        final CompletableFuture<Subscription> result;

        Waiter(ListenerRegistration registration, CompletableFuture<Subscription> result) {
            this.registration = registration;
            this.result = result;
        }
    }

    /** A listener on a filter: the {@link Subscription} handle, with its own ordered delivery queue. */
    final class ListenerRegistration implements Subscription {
        final Filter filter;
        final QoS qos;
        final MessageListener listener;
        final Object owner;
        final SerialExecutor executor;
        volatile boolean active = true;
        private long dropped;

        ListenerRegistration(Filter filter, QoS qos, MessageListener listener, Object owner) {
            this.filter = filter;
            this.qos = qos;
            this.listener = listener;
            this.owner = owner;
            this.executor = new SerialExecutor(pool, "connection '" + settings.connectionId + "' listener on '" + filter.filter + "'",
                    LISTENER_BACKLOG);
        }

        void deliver(IoTMessage message) {
            boolean accepted = executor.execute(() -> {
                if (active) {
                    listener.messageArrived(message);
                }
            });
            if (!accepted) {
                droppedInbound.incrementAndGet();
                long n;
                synchronized (this) {
                    n = ++dropped;
                }
                if (n == 1 || n % 1000 == 0) {
                    LOG.warn("Connection '{}': listener {} on '{}' is not keeping up ({} messages waiting); {} message(s) "
                            + "dropped for it so far", settings.connectionId, listener, filter.filter, LISTENER_BACKLOG, n);
                }
            }
        }

        @Override
        public String filter() {
            return filter.filter;
        }

        @Override
        public QoS qos() {
            return qos;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public CompletionStage<Void> unsubscribe() {
            return removeListener(this);
        }
    }

    /** @return whether an owner (a whiteboard service reference) has listeners on this connection */
    boolean hasOwner(Object owner) {
        synchronized (lock) {
            for (Filter f : filters.values()) {
                for (ListenerRegistration reg : f.listeners) {
                    if (owner.equals(reg.owner)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** Removes every whiteboard registration of an owner (a service reference). */
    void removeOwner(Object owner) {
        List<ListenerRegistration> regs = new ArrayList<>();
        synchronized (lock) {
            for (Filter f : filters.values()) {
                for (ListenerRegistration reg : f.listeners) {
                    if (reg.owner != null && reg.owner.equals(owner)) {
                        regs.add(reg);
                    }
                }
            }
        }
        regs.forEach(this::removeListener);
    }

    @Override
    public String toString() {
        return "IoTConnection[" + settings() + "]";
    }

    /** @return the topic filters subscribed at the broker (or to be, after the reconnect) */
    List<String> subscribedFilters() {
        synchronized (lock) {
            return new ArrayList<>(filters.keySet());
        }
    }
}
