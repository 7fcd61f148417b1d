package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.testsupport.Mosquitto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publish path keeps one private copy of a payload: what was accepted is what is delivered even
 * when the caller reuses its array right after {@code publish} returned, queued or not. Also prints
 * the bytes allocated per 16 KB QoS 1 publish by the JVM's threads (mosquitto runs out of process;
 * asserts nothing about the number).
 */
class PayloadCopyTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int SIZE = 16 * 1024;

    private Mosquitto broker;
    private final List<MqttConnection> connections = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = Mosquitto.launch(); // out of process: the allocation counts are the client's alone
    }

    @AfterEach
    void stopAll() {
        connections.forEach(MqttConnection::close);
        broker.close();
    }

    private MqttConnection open(String clientId) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", clientId);
        m.put("transport", "tcp");
        m.put("endpoint", "127.0.0.1");
        m.put("port", broker.port());
        m.put("client.id", clientId);
        m.put("reconnect.backoff.base.ms", 100L);
        m.put("reconnect.backoff.max.ms", 400L);
        m.put("queue.drain.frequency", 0.0);
        m.put("metrics.enabled", false);
        MqttConnection c = new MqttConnection(ConnectionSettings.from(ConfigProxy.connection(m)), null, new MemorySpool(), "test");
        connections.add(c);
        c.start();
        return c;
    }

    private static void awaitState(MqttConnection c, ConnectionState state) {
        Conditions.await("state " + state, WAIT, () -> c.state() == state, () -> "(is " + c.state() + ")");
    }

    private static byte[] pattern(int seed) {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    @Test
    void aQueuedPayloadDoesNotChangeWhenTheCallerReusesItsArray() throws Exception {
        broker.stop(); // offline: the publishes wait in the queue, where an aliased array would be changed
        MqttConnection c = open("copy-queued");
        Collector received = new Collector();
        // made first thing after the connect, before the queue is drained: the connection receives its own publishes
        CompletableFuture<?> subscribed = c.subscribe("copy/queued", QoS.AT_LEAST_ONCE, received).toCompletableFuture();
        byte[] reused = pattern(1);
        byte[] original1 = reused.clone();
        CompletableFuture<Void> first = c.publish("copy/queued", reused, QoS.AT_LEAST_ONCE).toCompletableFuture();
        Arrays.fill(reused, (byte) 'x');
        byte[] viaMessage = pattern(2);
        byte[] original2 = viaMessage.clone();
        IoTMessage message = IoTMessage.of("copy/queued", viaMessage, QoS.AT_LEAST_ONCE);
        Arrays.fill(viaMessage, (byte) 'y');
        CompletableFuture<Void> second = c.publish(message).toCompletableFuture();
        assertEquals(2, c.queuedMessages());

        broker.start();
        subscribed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertArrayEquals(original1, received.next(WAIT).payload(), "the queued payload changed with the caller's array");
        assertArrayEquals(original2, received.next(WAIT).payload(), "the message's payload changed with the caller's array");
        // the message itself is unchanged too
        assertArrayEquals(original2, message.payload());
    }

    @Test
    void anOnlinePayloadDoesNotChangeWhenTheCallerReusesItsArray() throws Exception {
        MqttConnection publisher = open("copy-online-pub");
        MqttConnection subscriber = open("copy-online-sub");
        awaitState(publisher, ConnectionState.CONNECTED);
        awaitState(subscriber, ConnectionState.CONNECTED);
        Collector received = new Collector();
        subscriber.subscribeAndWait("copy/online", QoS.AT_LEAST_ONCE, received);
        // one array reused for every publish, changed right after each publish returns (while it may
        // still wait for the in-flight window or Paho's sender)
        byte[] reused = new byte[SIZE];
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        int n = 50;
        for (int i = 0; i < n; i++) {
            System.arraycopy(pattern(i), 0, reused, 0, SIZE);
            stages.add(publisher.publish("copy/online", reused, QoS.AT_LEAST_ONCE).toCompletableFuture());
            Arrays.fill(reused, (byte) -1);
        }
        CompletableFuture.allOf(stages.toArray(new CompletableFuture<?>[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(pattern(i), received.next(WAIT).payload(), "message " + i + " changed with the caller's array");
        }
    }

    @Test
    void printsBytesAllocatedPerPublish() throws Exception {
        MqttConnection publisher = open("copy-alloc");
        awaitState(publisher, ConnectionState.CONNECTED);
        byte[] payload = pattern(3);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int warmup = 1_000;
        int count = 3_000;
        publishWindowed(publisher, payload, warmup, false);
        for (boolean viaMessage : new boolean[] { false, true }) {
            Map<Long, Long> before = allocations(threads);
            publishWindowed(publisher, payload, count, viaMessage);
            Map<Long, Long> after = allocations(threads);
            long total = 0;
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
            System.out.printf("bytes allocated per %d-byte QoS 1 %s, all threads of the JVM, %d publishes: %,d%n", SIZE,
                    viaMessage ? "publish(IoTMessage.of(...))" : "publish(topic, byte[], qos)", count, total / count);
            assertTrue(total > 0, "allocation counters are not available");
        }
    }

    /** Publishes with at most 20 outstanding (as the benchmark does) and checks that every publish completed. */
    private static void publishWindowed(MqttConnection c, byte[] payload, int count, boolean viaMessage) throws Exception {
        int window = 20;
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(window);
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < count; i++) {
            assertTrue(slots.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS), "publish " + i + " waited too long");
            (viaMessage ? c.publish(IoTMessage.of("copy/alloc", payload, QoS.AT_LEAST_ONCE))
                    : c.publish("copy/alloc", payload, QoS.AT_LEAST_ONCE)).whenComplete((v, t) -> {
                        if (t != null) {
                            failures.incrementAndGet();
                        }
                        slots.release();
                    });
        }
        assertTrue(slots.tryAcquire(window, WAIT.toSeconds(), TimeUnit.SECONDS), "the last publishes did not complete");
        assertEquals(0, failures.get(), "failed publishes");
    }

    /** Allocated bytes of every live thread of the JVM (the broker runs in its own process). */
    private static Map<Long, Long> allocations(com.sun.management.ThreadMXBean threads) {
        Map<Long, Long> out = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long bytes = threads.getThreadAllocatedBytes(t.getId());
            if (bytes >= 0) {
                out.put(t.getId(), bytes);
            }
        }
        return out;
    }
}
