package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.InvalidTopicException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.NotConnectedException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.QueueFullException;
import org.iotgateway.api.Subscription;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.MoquetteBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection against a real in-JVM broker (Moquette): publish/subscribe, the offline queue,
 * reconnects, draining, listener threading and live reconfiguration.
 */
class ConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private MoquetteBroker broker;
    private final List<MqttConnection> connections = new ArrayList<>();
    private final List<MoquetteBroker> brokers = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = MoquetteBroker.launch();
        brokers.add(broker);
    }

    @AfterEach
    void stopAll() {
        connections.forEach(MqttConnection::close);
        brokers.forEach(MoquetteBroker::close);
    }

    private Map<String, Object> config(int port) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", "test");
        m.put("transport", "tcp");
        m.put("endpoint", "127.0.0.1");
        m.put("port", port);
        m.put("client.id", "client-" + CLIENTS.incrementAndGet());
        m.put("reconnect.backoff.base.ms", 100L);
        m.put("reconnect.backoff.max.ms", 400L);
        m.put("operation.timeout", 10);
        m.put("queue.drain.frequency", 0.0);
        return m;
    }

    private MqttConnection open(Map<String, Object> config) {
        MqttConnection c = new MqttConnection(ConnectionSettings.from(ConfigProxy.connection(config)), null, new MemorySpool(), "test");
        connections.add(c);
        c.start();
        return c;
    }

    private static void awaitState(MqttConnection c, ConnectionState state) {
        Conditions.await("state " + state, WAIT, () -> c.state() == state, () -> "(is " + c.state() + ")");
    }

    @Test
    void publishesAndReceivesAtQos0And1() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        Subscription s = c.subscribeAndWait("plant/+/temp", QoS.AT_LEAST_ONCE, collector);
        assertEquals("plant/+/temp", s.filter());

        c.publish("plant/a/temp", "q0".getBytes(UTF_8), QoS.AT_MOST_ONCE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        c.publish("plant/b/temp", "q1".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture().get(10, TimeUnit.SECONDS);
        c.publishAndWait(IoTMessage.of("plant/c/temp", "sync", QoS.AT_LEAST_ONCE));
        c.publishAndWait(IoTMessage.of("other/topic", "ignored", QoS.AT_LEAST_ONCE));

        IoTMessage first = collector.next(WAIT);
        assertEquals("plant/a/temp", first.topic());
        assertEquals("q0", first.payloadAsString());
        assertEquals(QoS.AT_MOST_ONCE, first.qos());
        IoTMessage second = collector.next(WAIT);
        assertEquals("q1", second.payloadAsString());
        assertEquals(QoS.AT_LEAST_ONCE, second.qos());
        assertEquals("sync", collector.next(WAIT).payloadAsString());
        assertTrue(collector.quietFor(Duration.ofMillis(300)), "a message on a topic nobody subscribed arrived");
        assertEquals(0, c.queuedMessages());

        s.unsubscribe().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertFalse(s.isActive());
        c.publishAndWait(IoTMessage.of("plant/a/temp", "after", QoS.AT_LEAST_ONCE));
        assertTrue(collector.quietFor(Duration.ofMillis(300)), "received after unsubscribe");
    }

    @Test
    void invalidRequestsFailAtOnceAndNothingIsQueued() {
        broker.stop(); // offline: anything accepted would show up in the queue
        MqttConnection c = open(config(broker.port()));
        assertThrows(InvalidTopicException.class, () -> c.publish("a/+/b", new byte[0], QoS.AT_LEAST_ONCE));
        assertThrows(InvalidTopicException.class, () -> c.publish("a/#", new byte[0], QoS.AT_LEAST_ONCE));
        assertThrows(InvalidTopicException.class, () -> c.publish("", new byte[0], QoS.AT_LEAST_ONCE));
        assertThrows(InvalidTopicException.class, () -> c.publish("t".repeat(257), new byte[0], QoS.AT_LEAST_ONCE));
        InvalidTopicException slashes = assertThrows(InvalidTopicException.class,
                () -> c.publish("a/b/c/d/e/f/g/h/i", new byte[0], QoS.AT_LEAST_ONCE));
        assertTrue(slashes.getMessage().contains("8 forward slashes"), slashes.getMessage());
        PayloadTooLargeException big = assertThrows(PayloadTooLargeException.class,
                () -> c.publish("a", new byte[128 * 1024 + 1], QoS.AT_LEAST_ONCE));
        assertEquals(128 * 1024 + 1, big.size());
        assertTrue(big.getMessage().contains("'a'"), big.getMessage());
        InvalidRequestException nullPayload = assertThrows(InvalidRequestException.class,
                () -> c.publish("a", null, QoS.AT_LEAST_ONCE));
        assertTrue(nullPayload.getMessage().contains("null"), nullPayload.getMessage());
        assertThrows(InvalidRequestException.class, () -> c.publish("a", new byte[0], QoS.of(2)));
        assertThrows(InvalidRequestException.class, () -> c.publish(null));
        assertThrows(InvalidTopicException.class, () -> c.subscribe("a/#/b", QoS.AT_LEAST_ONCE, m -> { }));
        assertThrows(InvalidRequestException.class, () -> c.subscribe("a", QoS.AT_LEAST_ONCE, null));
        assertEquals(0, c.queuedMessages());
    }

    @Test
    void dropOldestKeepsTheNewestFiveOfSeven() throws Exception {
        List<String> received = offlineQueueScenario("DROP_OLDEST", List.of(3, 4, 5, 6, 7), List.of(1, 2));
        assertEquals(List.of("3", "4", "5", "6", "7"), received);
    }

    @Test
    void dropNewestKeepsTheFirstFiveOfSeven() throws Exception {
        List<String> received = offlineQueueScenario("DROP_NEWEST", List.of(1, 2, 3, 4, 5), List.of(6, 7));
        assertEquals(List.of("1", "2", "3", "4", "5"), received);
    }

    /** The reference SDK's documented example: queue size 5, seven publishes while offline. */
    private List<String> offlineQueueScenario(String policy, List<Integer> kept, List<Integer> dropped) throws Exception {
        Map<String, Object> cfg = config(broker.port());
        cfg.put("queue.size", 5);
        cfg.put("queue.drop", policy);
        MqttConnection c = open(cfg);
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait("queue/test", QoS.AT_LEAST_ONCE, collector);
        broker.stop();
        awaitState(c, ConnectionState.DISCONNECTED);

        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            futures.add(c.publish("queue/test", Integer.toString(i).getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture());
        }
        assertEquals(5, c.queuedMessages());
        for (int i : dropped) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> futures.get(i - 1).get(5, TimeUnit.SECONDS));
            assertInstanceOf(QueueFullException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains(policy), e.getCause().getMessage());
        }
        broker.start();
        for (int i : kept) {
            futures.get(i - 1).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        List<String> received = collector.texts(5, WAIT);
        assertTrue(collector.quietFor(Duration.ofMillis(300)), "more than the five kept messages arrived");
        assertEquals(0, c.queuedMessages());
        return received;
    }

    @Test
    void queueDisabledFailsOfflinePublishesWithNotConnected() {
        broker.stop();
        Map<String, Object> cfg = config(broker.port());
        cfg.put("queue.size", 0);
        MqttConnection c = open(cfg);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> c.publish("t", new byte[1], QoS.AT_LEAST_ONCE).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotConnectedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("queue.size=0"), e.getCause().getMessage());
    }

    @Test
    void subscribeAndPublishWhileOfflineAreDoneAfterConnecting() throws Exception {
        broker.stop();
        MqttConnection c = open(config(broker.port()));
        Collector collector = new Collector();
        CompletableFuture<Subscription> sub = c.subscribe("late/#", QoS.AT_LEAST_ONCE, collector).toCompletableFuture();
        CompletableFuture<Void> pub = c.publish("late/1", "queued".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture();
        Thread.sleep(300);
        assertFalse(sub.isDone());
        assertFalse(pub.isDone());
        broker.start();
        sub.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        pub.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // the subscription was restored before the queue drained, so the connection receives its own message
        assertEquals("queued", collector.next(WAIT).payloadAsString());
    }

    @Test
    void drainsInOrderAtTheConfiguredRate() throws Exception {
        Map<String, Object> cfg = config(broker.port());
        double hz = 10;
        cfg.put("queue.drain.frequency", hz);
        MqttConnection c = open(cfg);
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait("drain", QoS.AT_LEAST_ONCE, collector);
        broker.stop();
        awaitState(c, ConnectionState.DISCONNECTED);
        int n = 21;
        for (int i = 0; i < n; i++) {
            c.publish("drain", Integer.toString(i).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        broker.start();
        List<String> received = collector.texts(n, WAIT);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, received);
        List<Long> times = new ArrayList<>(collector.arrivalNanos);
        double seconds = (times.get(n - 1) - times.get(0)) / 1e9;
        double expectedSeconds = (n - 1) / hz;
        // never faster than the configured rate (the promise a metered link relies on); slower only by what a
        // loaded machine adds. How close the rate comes on a quiet machine is measured by the bench (QueueBenchmark)
        assertTrue(seconds >= 0.75 * expectedSeconds,
                "drained " + n + " messages in " + seconds + " s: faster than " + hz + " Hz (expected " + expectedSeconds + " s)");
        assertTrue(seconds <= 2 * expectedSeconds,
                "drained " + n + " messages in " + seconds + " s; at " + hz + " Hz expected " + expectedSeconds + " s");
    }

    @Test
    void publishesMadeWhileDrainingGoBehindTheQueue() throws Exception {
        Map<String, Object> cfg = config(broker.port());
        cfg.put("queue.drain.frequency", 20.0);
        MqttConnection c = open(cfg);
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait("order", QoS.AT_LEAST_ONCE, collector);
        broker.stop();
        awaitState(c, ConnectionState.DISCONNECTED);
        for (int i = 0; i < 10; i++) {
            c.publish("order", ("q" + i).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        broker.start();
        collector.next(WAIT); // draining has begun
        for (int i = 0; i < 5; i++) {
            c.publish("order", ("n" + i).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        List<String> rest = collector.texts(14, WAIT);
        assertEquals(List.of("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "n0", "n1", "n2", "n3", "n4"), rest);
    }

    @Test
    void reconnectsAfterBrokerRestartsAndDeliversEverythingAcceptedMeanwhile() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait("stream", QoS.AT_LEAST_ONCE, collector);
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        c.addStateListener(events::add);

        AtomicInteger published = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        int total = 600;
        Thread publisher = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                futures.add(c.publish("stream", Integer.toString(i).getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture());
                published.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    failure.set(e);
                    return;
                }
            }
        });
        publisher.start();
        Conditions.await("100 publishes", WAIT, () -> published.get() >= 100);
        broker.stop();
        int acceptedAfterStop = published.get();
        Thread.sleep(500);
        broker.start();
        publisher.join(WAIT.toMillis());
        assertEquals(total, published.get());
        for (CompletableFuture<Void> f : futures) {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS); // every accepted publish is acknowledged in the end
        }
        assertEquals(0, c.queuedMessages());

        // everything accepted after the broker went down must arrive, in order, duplicates allowed
        Conditions.await("all messages", WAIT, () -> lastReceived(collector) == total - 1);
        List<Integer> order = new ArrayList<>();
        for (IoTMessage m : collector.messages) {
            order.add(Integer.parseInt(m.payloadAsString()));
        }
        List<Integer> firstSeen = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int v : order) {
            if (seen.add(v)) {
                firstSeen.add(v);
            }
        }
        for (int i = 1; i < firstSeen.size(); i++) {
            assertTrue(firstSeen.get(i) > firstSeen.get(i - 1), "out of order: " + firstSeen.get(i - 1) + " before " + firstSeen.get(i));
        }
        for (int i = acceptedAfterStop; i < total; i++) {
            assertTrue(seen.contains(i), "message " + i + " accepted while the broker was down (or after) never arrived");
        }
        Conditions.await("state events", WAIT, () -> events.stream().anyMatch(e -> e.current() == ConnectionState.DISCONNECTED)
                && events.get(events.size() - 1).current() == ConnectionState.CONNECTED);
        ConnectionStateEvent lost = events.stream().filter(e -> e.current() == ConnectionState.DISCONNECTED).findFirst().get();
        assertTrue(lost.cause().isPresent(), "the disconnect event carries its cause");
    }

    private static int lastReceived(Collector collector) {
        int last = -1;
        for (IoTMessage m : collector.messages) {
            last = Math.max(last, Integer.parseInt(m.payloadAsString()));
        }
        return last;
    }

    @Test
    void aHalfOpenConnectionIsDetectedByKeepAliveAndReplaced() throws Exception {
        try (StallingProxy proxy = new StallingProxy(broker.port())) {
            Map<String, Object> cfg = config(proxy.port());
            cfg.put("keep.alive", 2);
            MqttConnection c = open(cfg);
            awaitState(c, ConnectionState.CONNECTED);
            Collector collector = new Collector();
            c.subscribeAndWait("halfopen", QoS.AT_LEAST_ONCE, collector);
            List<Long> lostAt = new CopyOnWriteArrayList<>();
            c.addStateListener(e -> {
                if (e.current() == ConnectionState.DISCONNECTED) {
                    lostAt.add(System.nanoTime());
                }
            });
            long stalledAt = System.nanoTime();
            proxy.stall();
            CompletableFuture<Void> during = c.publish("halfopen", "during".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture();
            Conditions.await("the dead connection detected", Duration.ofSeconds(10), () -> !lostAt.isEmpty());
            double detectedAfter = (lostAt.get(0) - stalledAt) / 1e9;
            // a PINGREQ after one keep-alive of silence, given up half a keep-alive later (Paho's own timer: up to 3)
            assertTrue(detectedAfter <= 1.5 * 2 + 0.75, "half-open connection detected only after " + detectedAfter + " s");
            assertTrue(detectedAfter >= 1.5, "declared dead before a keep-alive of silence: " + detectedAfter + " s");
            proxy.resume();
            during.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("during", collector.next(WAIT).payloadAsString(), "the publish made while half-open is delivered");
        }
    }

    @Test
    void aHealthyIdleConnectionSurvivesManyKeepAliveIntervals() throws Exception {
        Map<String, Object> cfg = config(broker.port());
        cfg.put("keep.alive", 1);
        MqttConnection c = open(cfg);
        awaitState(c, ConnectionState.CONNECTED);
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        c.addStateListener(events::add);
        Thread.sleep(5_000);
        assertTrue(events.stream().noneMatch(e -> e.current() != ConnectionState.CONNECTED),
                "an idle, healthy connection must stay up with frequent keep-alive checks: " + events);
        assertEquals(ConnectionState.CONNECTED, c.state());
        Collector collector = new Collector();
        c.subscribeAndWait("idle/after", QoS.AT_LEAST_ONCE, collector);
        c.publishAndWait("idle/after", "x".getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("x", collector.next(WAIT).payloadAsString());
    }

    @Test
    void keepsRetryingWithGrowingBackoffUntilTheBrokerComesBack() throws Exception {
        int port = FreePort.find();
        Map<String, Object> cfg = config(port);
        cfg.put("reconnect.backoff.base.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", 800L);
        MqttConnection c = open(cfg);
        List<Long> attempts = new CopyOnWriteArrayList<>();
        c.addStateListener(e -> {
            if (e.current() == ConnectionState.CONNECTING) {
                attempts.add(System.nanoTime());
            }
        });
        Conditions.await("6 attempts", WAIT, () -> attempts.size() >= 6);
        // gaps grow: 50, 100, 200, 400, 800 ms (plus the failed attempt's own time)
        long gap1 = attempts.get(1) - attempts.get(0);
        long gap4 = attempts.get(5) - attempts.get(4);
        assertTrue(gap4 > 3 * gap1, "backoff did not grow: first gap " + gap1 / 1e6 + " ms, fifth " + gap4 / 1e6 + " ms");
        MoquetteBroker late = MoquetteBroker.launch(port);
        brokers.add(late);
        awaitState(c, ConnectionState.CONNECTED);
    }

    @Test
    void aListenerMayCallBlockingPublishWithoutDeadlock() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        Collector responses = new Collector();
        c.subscribeAndWait("rpc/response", QoS.AT_LEAST_ONCE, responses);
        List<String> threads = new CopyOnWriteArrayList<>();
        c.subscribeAndWait("rpc/request", QoS.AT_LEAST_ONCE, m -> {
            threads.add(Thread.currentThread().getName());
            // blocks until PUBACK, which Paho's threads deliver: must not need the listener's thread
            c.publishAndWait(IoTMessage.of("rpc/response", "re:" + m.payloadAsString(), QoS.AT_LEAST_ONCE));
            c.subscribeAndWait("rpc/extra/" + m.payloadAsString(), QoS.AT_LEAST_ONCE, x -> { });
        });
        for (int i = 0; i < 5; i++) {
            c.publish("rpc/request", ("r" + i).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        assertEquals(List.of("re:r0", "re:r1", "re:r2", "re:r3", "re:r4"), responses.texts(5, WAIT));
        for (String t : threads) {
            assertFalse(t.startsWith("MQTT"), "listener ran on Paho's thread " + t);
        }
    }

    @Test
    void aThrowingListenerDoesNotStopDelivery() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        AtomicInteger thrower = new AtomicInteger();
        c.subscribeAndWait("x/#", QoS.AT_LEAST_ONCE, m -> {
            thrower.incrementAndGet();
            throw new IllegalStateException("listener bug (expected by the test)");
        });
        Collector good = new Collector();
        c.subscribeAndWait("x/#", QoS.AT_LEAST_ONCE, good);
        Collector other = new Collector();
        c.subscribeAndWait("x/+", QoS.AT_MOST_ONCE, other);
        for (int i = 0; i < 3; i++) {
            c.publishAndWait("x/" + i, "m".getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        assertEquals(3, good.texts(3, WAIT).size());
        assertEquals(3, other.texts(3, WAIT).size());
        Conditions.await("the throwing listener got every message", WAIT, () -> thrower.get() >= 3);
    }

    @Test
    void aBlockedListenerDoesNotDelayOthers() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        CompletableFuture<Void> release = new CompletableFuture<>();
        c.subscribeAndWait("slow", QoS.AT_LEAST_ONCE, m -> release.join());
        Collector fast = new Collector();
        c.subscribeAndWait("fast", QoS.AT_LEAST_ONCE, fast);
        c.publishAndWait("slow", new byte[1], QoS.AT_LEAST_ONCE);
        for (int i = 0; i < 10; i++) {
            c.publishAndWait("fast", Integer.toString(i).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        }
        assertEquals(10, fast.texts(10, WAIT).size());
        release.complete(null);
    }

    @Test
    void liveReconfigurationMovesToTheNewBrokerKeepingSubscriptionsAndQueue() throws Exception {
        MqttConnection c = open(config(broker.port()));
        awaitState(c, ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait("reconf/#", QoS.AT_LEAST_ONCE, collector);
        c.publishAndWait("reconf/before", "a".getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("a", collector.next(WAIT).payloadAsString());

        broker.stop();
        awaitState(c, ConnectionState.DISCONNECTED);
        CompletableFuture<Void> queued = c.publish("reconf/queued", "b".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture();

        MoquetteBroker second = MoquetteBroker.launch();
        brokers.add(second);
        Map<String, Object> cfg = config(second.port());
        cfg.put("client.id", c.clientId());
        cfg.put("keep.alive", 45);
        c.reconfigure(ConnectionSettings.from(ConfigProxy.connection(cfg)), null, null);
        awaitState(c, ConnectionState.CONNECTED);
        queued.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("b", collector.next(WAIT).payloadAsString(), "queued message delivered to the new broker, "
                + "where the subscription was restored");
        assertEquals(45, c.settings().keepAliveSeconds);
        assertEquals(second.port(), c.settings().port);
    }

    @Test
    void aFloodBeyondTheInflightWindowWaitsItsTurnAndCompletes() throws Exception {
        Map<String, Object> cfg = config(broker.port());
        cfg.put("max.inflight", 10);
        MqttConnection c = open(cfg);
        awaitState(c, ConnectionState.CONNECTED);
        int n = 200_000;
        byte[] payload = new byte[32];
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            c.publish("flood", payload, QoS.AT_LEAST_ONCE).whenComplete((v, t) -> {
                if (t != null) {
                    failures.incrementAndGet();
                }
                done.incrementAndGet();
            });
        }
        Conditions.await("200,000 QoS 1 acknowledgements", Duration.ofMinutes(3), () -> done.get() == n,
                () -> "(" + done.get() + " done)");
        assertEquals(0, failures.get());
        assertEquals(0, c.queuedMessages());
    }

    @Test
    void closeFailsWhatIsStillQueuedAndRefusesNewWork() throws Exception {
        broker.stop();
        MqttConnection c = open(config(broker.port()));
        CompletableFuture<Void> queued = c.publish("t", new byte[1], QoS.AT_LEAST_ONCE).toCompletableFuture();
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("discarded"), e.getCause().getMessage());
        assertEquals(ConnectionState.CLOSED, c.state());
        assertThrows(org.iotgateway.api.ConnectionClosedException.class, () -> c.publish("t", new byte[1], QoS.AT_LEAST_ONCE));
    }
}
