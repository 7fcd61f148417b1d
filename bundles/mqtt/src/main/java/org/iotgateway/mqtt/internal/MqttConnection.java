package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.InvalidTopicException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageExpiredException;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.NotConnectedException;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.PublishRejectedException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.QueueFullException;
import org.iotgateway.api.QueueStorageException;
import org.iotgateway.api.Subscription;
import org.iotgateway.api.SubscriptionRejectedException;
import org.iotgateway.mqtt.internal.spool.MessageProperties;
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
    private static final SecureRandom RANDOM = new SecureRandom();

    /** AWS IoT Core accepts at most 8 filters per SUBSCRIBE. */
    static final int SUBSCRIBE_BATCH = 8;
    /** AWS IoT Core's per-connection subscription limit; more is logged. */
    static final int AWS_SUBSCRIPTION_LIMIT = 50;
    /** Messages waiting for one listener at most; beyond it the listener misses messages (logged). */
    static final int LISTENER_BACKLOG = 10_000;

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
    private final Map<String, ResponseRoute> responseRoutes = new HashMap<>();
    private ProtocolClient client;
    /** What the broker announced on the last CONNACK; null before the first. */
    private NegotiatedSettings negotiated;
    /** Publishes dropped from the queue because their message expiry passed. */
    private long expiredDropped;
    private int generation;
    private ConnectionState state = ConnectionState.DISCONNECTED;
    private boolean sessionReady;
    private boolean draining;
    private int inflight;
    private int drainCredit;
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
    public MqttVersion mqttVersion() {
        synchronized (lock) {
            return settings.mqttVersion;
        }
    }

    /** @return the settings the broker announced on the last CONNACK, or null before the first */
    NegotiatedSettings negotiated() {
        synchronized (lock) {
            return negotiated;
        }
    }

    /** @return publishes dropped from the offline queue because their message expiry interval passed */
    long expiredMessages() {
        synchronized (lock) {
            return expiredDropped;
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
        accept(topic, payload.clone(), qos, false, null, stage);
        return stage;
    }

    @Override
    public void publishAndWait(String topic, byte[] payload, QoS qos) {
        checkArguments(topic, payload, qos);
        Topics.validateTopic(topic);
        checkSize(topic, payload.length);
        CompletableFuture<Void> raw = new CompletableFuture<>();
        accept(topic, payload.clone(), qos, false, null, raw);
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
        MessageProperties properties = null;
        String mqtt5 = message.mqtt5Property().orElse(null);
        if (mqtt5 != null) {
            synchronized (lock) {
                if (settings.mqttVersion != MqttVersion.MQTT_5) {
                    throw new InvalidRequestException(mqtt5 + " need" + (mqtt5.endsWith("s") ? "" : "s")
                            + " MQTT 5; connection '" + settings.connectionId + "' uses MQTT 3.1.1 (publish to '"
                            + message.topic() + "' refused)");
                }
            }
            properties = MessageProperties.of(message, System.currentTimeMillis());
            int encoded = properties.encode().length;
            if (encoded > MessageProperties.MAX_ENCODED_BYTES) {
                throw new PayloadTooLargeException("MQTT 5 properties of the message to topic '" + message.topic() + "'",
                        encoded, MessageProperties.MAX_ENCODED_BYTES);
            }
        }
        // the message keeps its own copy; this one belongs to the queue and is handed to Paho as is
        accept(message.topic(), message.payload(), message.qos(), message.retain(), properties, future);
    }

    /**
     * @return the size of the PUBLISH packet for a queued message, as the broker's Maximum Packet Size
     *         counts it (an upper bound: a topic alias may make it smaller)
     */
    static long packetSize(String topic, int payloadLength, int qos, MessageProperties p) {
        long properties = 3; // room for a topic alias
        if (p != null) {
            if (p.expiresAtMillis() >= 0) {
                properties += 5;
            }
            for (org.iotgateway.api.UserProperty u : p.userProperties()) {
                properties += 5 + utf8Length(u.name()) + utf8Length(u.value());
            }
            if (p.contentType() != null) {
                properties += 3 + utf8Length(p.contentType());
            }
            if (p.payloadFormatUtf8()) {
                properties += 2;
            }
            if (p.responseTopic() != null) {
                properties += 3 + utf8Length(p.responseTopic());
            }
            if (p.correlationData() != null) {
                properties += 3 + p.correlationData().length;
            }
        }
        long variable = 2 + utf8Length(topic) + (qos > 0 ? 2 : 0) + varIntLength(properties) + properties;
        long remaining = variable + payloadLength;
        return 1 + varIntLength(remaining) + remaining;
    }

    private static int varIntLength(long v) {
        return v < 128 ? 1 : v < 16_384 ? 2 : v < 2_097_152 ? 3 : 4;
    }

    private static long utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /**
     * Checks a publish against what the broker announced (MQTT 5): maximum packet size, maximum
     * QoS, retain available. Caller holds the lock.
     *
     * @return the failure, or null if the broker accepts it (or nothing is known yet)
     */
    private IoTException brokerLimitsLocked(String topic, int payloadLength, int qos, boolean retain, MessageProperties p) {
        NegotiatedSettings n = negotiated;
        if (n == null || n.protocol() != MqttVersion.MQTT_5) {
            return null;
        }
        long size = packetSize(topic, payloadLength, qos, p);
        if (size > n.maximumPacketSize()) {
            return new PayloadTooLargeException("publish to '" + topic + "' on connection '" + settings.connectionId
                    + "' (the broker's maximum packet size, counting topic and properties)", size, n.maximumPacketSize());
        }
        if (qos > n.maximumQos().level()) {
            return new InvalidRequestException("publish to '" + topic + "' at QoS " + qos + " refused: the broker of connection '"
                    + settings.connectionId + "' accepts at most QoS " + n.maximumQos().level());
        }
        if (retain && !n.retainAvailable()) {
            return new InvalidRequestException("retained publish to '" + topic + "' refused: the broker of connection '"
                    + settings.connectionId + "' does not support retained messages");
        }
        return null;
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
    private void accept(String topic, byte[] payload, QoS qos, boolean retain, MessageProperties properties,
            CompletableFuture<Void> future) {
        List<SpooledMessage> batch;
        ProtocolClient target;
        int gen;
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("connection '" + settings.connectionId + "' is closed");
            }
            IoTException refused = brokerLimitsLocked(topic, payload.length, qos.level(), retain, properties);
            if (refused != null) {
                throw refused;
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
                entry = spool.append(topic, payload, qos.level(), retain, properties);
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
            if (sendLock.isHeldByCurrentThread()) {
                return;
            }
            batch = new ArrayList<>(1);
            if (!takeSendingRoleLocked(batch)) {
                return;
            }
            target = client;
            gen = generation;
        }
        sendHoldingSendLock(batch, target, gen);
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
    public CompletionStage<IoTMessage> request(IoTMessage request, Duration timeout) {
        if (request == null) {
            throw new InvalidRequestException("request is null");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidRequestException("timeout of the request to '" + request.topic() + "' must be positive, was "
                    + timeout);
        }
        String responseTopic = request.responseTopic().orElseThrow(() -> new InvalidRequestException("request to '"
                + request.topic() + "' has no response topic; set one with IoTMessage.builder(...).responseTopic(...)"));
        Topics.validateTopic(request.topic());
        Topics.validateFilter(responseTopic);
        String connectionId;
        synchronized (lock) {
            connectionId = settings.connectionId;
            if (settings.mqttVersion != MqttVersion.MQTT_5) {
                throw new InvalidRequestException("request/response needs MQTT 5; connection '" + connectionId
                        + "' uses MQTT 3.1.1");
            }
        }
        byte[] correlation = request.correlationData().orElse(null);
        IoTMessage toSend = request;
        if (correlation == null) {
            correlation = new byte[16];
            RANDOM.nextBytes(correlation);
            toSend = request.toBuilder().correlationData(correlation).build();
        }
        String key = Base64.getEncoder().encodeToString(correlation);
        CompletableFuture<IoTMessage> result = new AsyncOnlyFuture<>(completionExecutor);
        ResponseRoute route;
        synchronized (lock) {
            if (closed) {
                throw new ConnectionClosedException("connection '" + connectionId + "' is closed");
            }
            route = responseRoutes.get(responseTopic);
            if (route == null) {
                route = new ResponseRoute(responseTopic);
                responseRoutes.put(responseTopic, route);
                route.subscribed = subscribeRaw(responseTopic, QoS.AT_LEAST_ONCE, route, route);
            }
            if (route.pending.putIfAbsent(key, result) != null) {
                throw new InvalidRequestException("a request with the same correlation data already waits for its "
                        + "response on '" + responseTopic + "'");
            }
        }
        final ResponseRoute r = route;
        ScheduledFuture<?> timer = control.schedule(() -> {
            if (r.pending.remove(key, result)) {
                result.completeExceptionally(new OperationTimeoutException("no response to the request to '"
                        + request.topic() + "' arrived on '" + responseTopic + "' within " + timeout.toMillis()
                        + " ms (connection '" + connectionId + "')"));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((v, e) -> timer.cancel(false));
        final IoTMessage message = toSend;
        r.subscribed.whenComplete((subscription, failure) -> {
            if (failure != null) {
                synchronized (lock) {
                    responseRoutes.remove(responseTopic, r);
                }
                if (r.pending.remove(key, result)) {
                    result.completeExceptionally(failure);
                }
                return;
            }
            try {
                publish(message).whenComplete((v, e) -> {
                    if (e != null && r.pending.remove(key, result)) {
                        result.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) {
                if (r.pending.remove(key, result)) {
                    result.completeExceptionally(e);
                }
            }
        });
        return result;
    }

    /** The subscription to one response topic and the requests waiting for a response on it. */
    private final class ResponseRoute implements MessageListener {
        final String topic;
        final Map<String, CompletableFuture<IoTMessage>> pending = new ConcurrentHashMap<>();
        CompletableFuture<Subscription> subscribed;

        ResponseRoute(String topic) {
            this.topic = topic;
        }

        @Override
        public void messageArrived(IoTMessage message) {
            byte[] correlation = message.correlationData().orElse(null);
            CompletableFuture<IoTMessage> waiter = correlation == null ? null
                    : pending.remove(Base64.getEncoder().encodeToString(correlation));
            if (waiter == null) {
                LOG.debug("Connection '{}': ignoring a message on response topic '{}' that answers no waiting request",
                        id(), topic);
                return;
            }
            waiter.complete(message);
        }

        @Override
        public String toString() {
            return "ResponseRoute[" + topic + "]";
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
        ProtocolClient target;
        int gen;
        synchronized (lock) {
            if (!takeSendingRoleLocked(batch)) {
                return;
            }
            target = client;
            gen = generation;
        }
        sendHoldingSendLock(batch, target, gen);
    }

    /**
     * Takes {@code sendLock} if nobody holds it, and the entries it may send now. Caller holds {@code lock}.
     *
     * @param batch receives the entries
     * @return true if this thread now holds {@code sendLock} with a non-empty batch; false if another thread
     *         holds it (that one sends) or nothing is sendable (then {@code sendLock} was released again)
     */
    private boolean takeSendingRoleLocked(List<SpooledMessage> batch) {
        if (!sendLock.tryLock()) {
            return false;
        }
        takeLocked(batch);
        if (batch.isEmpty()) {
            sendLock.unlock();
            return false;
        }
        return true;
    }

    /**
     * Sends a batch taken under {@code lock} by the holder of {@code sendLock}, then takes and sends more until
     * nothing is left, and releases {@code sendLock} under {@code lock}. Call without holding {@code lock}.
     */
    private void sendHoldingSendLock(List<SpooledMessage> batch, ProtocolClient target, int gen) {
        while (true) {
            long now = System.currentTimeMillis();
            for (SpooledMessage m : batch) {
                try {
                    target.publish(m, now, new PublishResult(gen, m));
                } catch (Exception e) {
                    LOG.warn("Connection '{}': Paho refused a publish ({}); reconnecting", id(), e.toString());
                    final int refusedGen = gen;
                    final ProtocolClient refused = target;
                    control.execute(() -> connectionLost(refusedGen, refused, e, null));
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
                gen = generation;
            }
        }
    }

    /** @return whether {@link #takeLocked} would take an entry now. Caller holds lock. */
    private boolean sendableLocked() {
        return sessionReady && client != null && inflight < inflightWindowLocked() && (!draining || drainCredit > 0)
                && spool.hasNext();
    }

    /** Takes the entries that may be sent now into the batch. Caller holds lock and sendLock. */
    private void takeLocked(List<SpooledMessage> batch) {
        if (!sessionReady || client == null) {
            return;
        }
        int allowance = inflightWindowLocked() - inflight;
        if (draining) {
            allowance = Math.min(allowance, drainCredit);
        }
        long now = -1;
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
            MessageProperties p = m.properties();
            if (p != null && p.expiresAtMillis() >= 0) {
                if (now < 0) {
                    now = System.currentTimeMillis();
                }
                if (p.expiresAtMillis() <= now) {
                    expiredLocked(m, now);
                    allowance++;
                    continue;
                }
            }
            IoTException refused = brokerLimitsLocked(m.topic(), m.payload().length, m.qos(), m.retain(), p);
            if (refused != null) {
                // queued before the broker announced its limits: it would never be accepted
                LOG.error("Connection '{}': dropping a queued publish to '{}': {}", settings.connectionId, m.topic(),
                        refused.getMessage());
                spool.remove(m.sequence());
                failLater(waiting.remove(m.sequence()), refused);
                allowance++;
                continue;
            }
            inflight++;
            if (draining) {
                drainCredit--;
            }
            batch.add(m);
        }
    }

    /** @return how many publishes may be unacknowledged: max.inflight, within the broker's Receive Maximum */
    private int inflightWindowLocked() {
        NegotiatedSettings n = negotiated;
        if (n != null && n.protocol() == MqttVersion.MQTT_5) {
            return Math.max(1, Math.min(settings.maxInflight, n.receiveMaximum()));
        }
        return settings.maxInflight;
    }

    /** Drops a queued publish whose message expiry passed. Caller holds the lock. */
    private void expiredLocked(SpooledMessage m, long now) {
        spool.remove(m.sequence());
        expiredDropped++;
        long late = now - m.properties().expiresAtMillis();
        LOG.warn("Connection '{}': dropped a queued publish to '{}': its message expiry passed {} ms ago while it waited "
                + "in the offline queue ({} expired so far)", settings.connectionId, m.topic(), late, expiredDropped);
        failLater(waiting.remove(m.sequence()), new MessageExpiredException("publish to '" + m.topic()
                + "' on connection '" + settings.connectionId + "' expired in the offline queue (message expiry interval "
                + "passed " + late + " ms ago) and was dropped unsent"));
    }

    /** Completes a stage exceptionally outside the lock (its dependants may run synchronously). */
    private void failLater(CompletableFuture<Void> future, Throwable failure) {
        if (future != null) {
            pool.execute(() -> future.completeExceptionally(failure));
        }
    }

    /** Completion of one publish of one client. */
    private final class PublishResult implements ProtocolClient.Result<MqttReason> {
        final int generation;
        final SpooledMessage message;

        PublishResult(int generation, SpooledMessage message) {
            this.generation = generation;
            this.message = message;
        }

        @Override
        public void success(MqttReason failure) {
            delivered(generation, message, failure);
        }

        @Override
        public void failure(Throwable exception) {
            // the connection is going down; connectionLost rewinds and the entry is sent again
            LOG.debug("Connection '{}': a publish was not acknowledged: {}", id(), String.valueOf(exception));
        }
    }

    /**
     * @param failure the PUBACK failure reason (MQTT 5), or null: the broker took the message
     */
    private void delivered(int gen, SpooledMessage m, MqttReason failure) {
        CompletableFuture<Void> future;
        boolean more;
        String connectionId;
        synchronized (lock) {
            if (gen != generation) {
                return; // a previous connection's late ack; the entry was rewound and is resent
            }
            inflight--;
            spool.remove(m.sequence());
            future = waiting.remove(m.sequence());
            connectionId = settings.connectionId;
            // Only pump when an entry waits for the slot this ack freed (a flood, a drain). When the app keeps its
            // own window, nothing does, and the client's callback thread saves a lock round and an allocation per ack.
            more = sendableLocked();
        }
        if (failure == null) {
            if (future != null) {
                future.complete(null);
            }
        } else {
            // retrying would get the same answer: the entry is gone from the queue
            LOG.error("Connection '{}': broker refused a publish to '{}': PUBACK {}", connectionId, m.topic(), failure);
            if (future != null) {
                future.completeExceptionally(new PublishRejectedException(m.topic(), "broker refused the publish to '"
                        + m.topic() + "' on connection '" + connectionId + "': " + failure, failure));
            }
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
            client.subscribe(names, qos, new ProtocolClient.Result<MqttReason[]>() {
                @Override
                public void success(MqttReason[] granted) {
                    subscribed(gen, batch, granted);
                }

                @Override
                public void failure(Throwable exception) {
                    LOG.debug("Connection '{}': SUBSCRIBE failed: {}", id(), String.valueOf(exception));
                }
            });
        } catch (Exception e) {
            LOG.warn("Connection '{}': could not send SUBSCRIBE ({}); it is retried after the reconnect", settings.connectionId, e.toString());
        }
    }

    private void subscribed(int gen, List<Filter> batch, MqttReason[] granted) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (gen != generation) {
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Filter f = batch.get(i);
                MqttReason g = granted != null && i < granted.length ? granted[i] : new MqttReason(0x80, null);
                if (filters.get(f.filter) != f) {
                    continue; // unsubscribed meanwhile
                }
                if (g.isError()) {
                    LOG.error("Connection '{}': broker refused the subscription to '{}': SUBACK {} (check the device's policy)",
                            settings.connectionId, f.filter, g);
                    filters.remove(f.filter);
                    SubscriptionRejectedException rejected = new SubscriptionRejectedException(f.filter,
                            "broker refused the subscription to '" + f.filter + "' on connection '" + settings.connectionId
                                    + "' (SUBACK " + g + "; check the device's policy)", g);
                    for (ListenerRegistration reg : f.listeners) {
                        reg.active = false;
                    }
                    for (Waiter w : f.waiters) {
                        after.add(() -> w.result.completeExceptionally(rejected));
                    }
                } else {
                    f.acknowledged = true;
                    f.heldBySession = true;
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
            String connectionId = settings.connectionId;
            client.unsubscribe(filter, new ProtocolClient.Result<MqttReason>() {
                @Override
                public void success(MqttReason failure) {
                    if (failure == null) {
                        done.forEach(d -> d.complete(null));
                        return;
                    }
                    LOG.warn("Connection '{}': broker refused to unsubscribe '{}': UNSUBACK {}", connectionId, filter, failure);
                    IoTException refused = new IoTException("broker refused to unsubscribe '" + filter + "' on connection '"
                            + connectionId + "': UNSUBACK " + failure, null, failure);
                    done.forEach(d -> d.completeExceptionally(refused));
                }

                @Override
                public void failure(Throwable exception) {
                    synchronized (lock) {
                        if (gen == generation && !filters.containsKey(filter)) {
                            pendingUnsubscribes.computeIfAbsent(filter, k -> new ArrayList<>()).addAll(done);
                        }
                    }
                }
            });
        } catch (Exception e) {
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
        List<Filter> all = new ArrayList<>();
        boolean resumed = negotiated != null && negotiated.protocol() == MqttVersion.MQTT_5 && negotiated.sessionPresent();
        int kept = 0;
        List<Runnable> after = new ArrayList<>();
        for (Filter f : filters.values()) {
            if (resumed && f.heldBySession) {
                // the broker resumed the session and still holds this subscription: do not send it again
                f.acknowledged = true;
                kept++;
                for (Waiter w : f.waiters) {
                    after.add(() -> w.result.complete(w.registration));
                }
                f.waiters.clear();
            } else {
                f.heldBySession = false;
                all.add(f);
            }
        }
        if (kept > 0) {
            LOG.info("Connection '{}': session resumed; the broker still holds {} subscription(s), {} to send",
                    settings.connectionId, kept, all.size());
        }
        after.forEach(completions::execute);
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
                client.subscribe(names, qos, new ProtocolClient.Result<MqttReason[]>() {
                    @Override
                    public void success(MqttReason[] granted) {
                        subscribed(gen, copy, granted);
                        if (outstanding.decrementAndGet() == 0) {
                            control.execute(() -> sessionRestored(gen));
                        }
                    }

                    @Override
                    public void failure(Throwable exception) {
                        LOG.debug("Connection '{}': resubscribe failed: {}", id(), String.valueOf(exception));
                    }
                });
            } catch (Exception e) {
                LOG.warn("Connection '{}': could not resubscribe ({}); reconnecting", settings.connectionId, e.toString());
                final ProtocolClient broken = client;
                control.execute(() -> connectionLost(gen, broken, e, null));
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
        ProtocolClient c;
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
            final int g = gen;
            final ProtocolClient[] self = new ProtocolClient[1];
            ProtocolClient.Events events = new ProtocolClient.Events() {
                @Override
                public void connectionLost(Throwable cause, MqttReason reason) {
                    control.execute(() -> MqttConnection.this.connectionLost(g, self[0], cause, reason));
                }

                @Override
                public void messageArrived(IoTMessage message) {
                    try {
                        MqttConnection.this.messageArrived(g, message);
                    } catch (RuntimeException e) {
                        // never let anything escape into Paho: it would drop the connection
                        LOG.error("Connection '{}': dispatching a message on '{}' failed", s.connectionId, message.topic(), e);
                    }
                }
            };
            try {
                if (s.mqttVersion == MqttVersion.MQTT_5) {
                    c = new V5Client(s, socketFactory, version, control, pool, events);
                } else {
                    // headroom over our own window: Paho must never refuse with "too many publishes in progress"
                    c = new V3Client(s, socketFactory, version, Math.min(65535, s.maxInflight + 2 * SUBSCRIBE_BATCH + 16),
                            control, pool, events);
                }
                self[0] = c;
            } catch (Exception e) {
                // e.g. no or expired SigV4 credentials: retry with backoff, they may be fixed meanwhile
                LOG.warn("Connection '{}': cannot connect to {}: {}", s.connectionId, s.serverUri(), e.getMessage());
                scheduleReconnectLocked(e);
                return;
            }
            client = c;
            connectWatchdog = control.schedule(() -> connectTimedOut(gen, c), s.connectTimeoutSeconds + 5L, TimeUnit.SECONDS);
        }
        LOG.info("Connection '{}': connecting to {} as '{}' (MQTT {})", s.connectionId, s.serverUri(), s.clientId,
                s.mqttVersionName());
        try {
            c.connect(new ProtocolClient.Result<NegotiatedSettings>() {
                @Override
                public void success(NegotiatedSettings value) {
                    control.execute(() -> connected(gen, c, value));
                }

                @Override
                public void failure(Throwable exception) {
                    control.execute(() -> connectFailed(gen, c, exception));
                }
            });
        } catch (Exception e) {
            control.execute(() -> connectFailed(gen, c, e));
        }
    }

    private void connected(int gen, ProtocolClient c, NegotiatedSettings n) {
        synchronized (lock) {
            if (gen != generation || client != c || closed) {
                return;
            }
            cancel(connectWatchdog);
            connectWatchdog = null;
            connectedAtNanos = System.nanoTime();
            negotiated = n;
            if (n.protocol() == MqttVersion.MQTT_5) {
                LOG.info("Connection '{}': connected to {} ({})", settings.connectionId, settings.serverUri(), n);
            } else {
                LOG.info("Connection '{}': connected to {}{}", settings.connectionId, settings.serverUri(),
                        n.sessionPresent() ? " (session resumed)" : "");
            }
            setStateLocked(ConnectionState.CONNECTED, null, n, null);
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

    private void connectFailed(int gen, ProtocolClient c, Throwable cause) {
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
     *         refused it (Paho reports return codes 1 to 5 as the exception's reason code), the MQTT 5
     *         CONNACK reason code, or {@code null} when the broker did not refuse with a CONNACK
     */
    static MqttReason connackReason(Throwable cause) {
        if (cause instanceof ProtocolClient.ConnectRefused) {
            return ((ProtocolClient.ConnectRefused) cause).reason; // MQTT 5, or 3.1.1 already mapped
        }
        return V3Client.connackReason(cause);
    }

    private void connectTimedOut(int gen, ProtocolClient c) {
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

    /**
     * @param reason the reason of a DISCONNECT the broker sent (MQTT 5), or null
     */
    private void connectionLost(int gen, ProtocolClient c, Throwable cause, MqttReason reason) {
        synchronized (lock) {
            if (gen != generation || client != c || closed) {
                return;
            }
            boolean wasConnected = state == ConnectionState.CONNECTED;
            double upSeconds = wasConnected ? (System.nanoTime() - connectedAtNanos) / 1e9 : 0;
            // the broker closing a fresh connection is the signature of a duplicate client id; MQTT 5 says so
            boolean takenOver = reason != null && reason.code() == 0x8E;
            boolean brief = takenOver || wasConnected && upSeconds * 1000 < settings.stableMillis
                    && ProtocolClient.libraryReasonCode(cause) == ProtocolClient.CONNECTION_LOST;
            LOG.warn("Connection '{}': connection to {} lost {}: {}{}", settings.connectionId, settings.serverUri(),
                    wasConnected ? "after " + String.format("%.1f", upSeconds) + " s" : "before it was ready", describe(cause),
                    takenOver ? " (session taken over: another client connected with client id '" + settings.clientId + "')"
                            : brief ? " (a connection dropped right after connecting often means another client uses client id '"
                                    + settings.clientId + "')" : "");
            dropClientLocked();
            scheduleReconnectLocked(cause, reason);
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
        ProtocolClient old = client;
        client = null;
        if (old != null) {
            pool.execute(() -> old.close(false));
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

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
        int code = ProtocolClient.libraryReasonCode(t);
        if (code >= 0) {
            sb.append(" (reason ").append(code).append(')');
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
        ProtocolClient c;
        Spool s;
        List<CompletableFuture<Void>> pending;
        List<Waiter> subscribers = new ArrayList<>();
        List<CompletableFuture<IoTMessage>> requests = new ArrayList<>();
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
            for (ResponseRoute route : responseRoutes.values()) {
                requests.addAll(route.pending.values());
                route.pending.clear();
            }
            responseRoutes.clear();
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
            c.close(true);
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
        requests.forEach(r -> r.completeExceptionally(new ConnectionClosedException("connection '" + id
                + "' was closed before the response arrived")));
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

    private void messageArrived(int gen, IoTMessage message) {
        String topic = message.topic();
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

    /** One MQTT subscription (topic filter) and the listeners sharing it. */
    private static final class Filter {
        final String filter;
        QoS qos;
        boolean acknowledged;
        /** Granted in the current MQTT session: a resumed MQTT 5 session still holds it. */
        boolean heldBySession;
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
