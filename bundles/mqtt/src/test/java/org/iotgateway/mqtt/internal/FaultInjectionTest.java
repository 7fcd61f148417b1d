package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.QoS;
import org.iotgateway.testsupport.LogCapture;
import org.iotgateway.testsupport.Mosquitto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection against a real mosquitto process: broker restarts during a QoS 1 stream from
 * two publishers with disk queues, and two gateways fighting over one client id.
 *
 * <p>The default sizes keep {@code mvn verify} short; the long versions run on demand:
 * {@code mvn -pl bundles/mqtt -am verify -Dtest=FaultInjectionTest -Dfaults.restarts=200 -Dfaults.duplicate.seconds=120}.
 */
class FaultInjectionTest {

    private static final int RESTARTS = Integer.getInteger("faults.restarts", 20);
    private static final int DUPLICATE_SECONDS = Integer.getInteger("faults.duplicate.seconds", 12);

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    private Map<String, Object> config(String id, int port) {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", id);
        cfg.put("transport", "tcp");
        cfg.put("endpoint", "127.0.0.1");
        cfg.put("port", port);
        cfg.put("client.id", id);
        cfg.put("keep.alive", 5);
        cfg.put("reconnect.backoff.base.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", 400L);
        cfg.put("queue.drain.frequency", 0.0);
        return cfg;
    }

    /**
     * The broker is stopped and started {@value #RESTARTS} times (by default) while two gateways
     * publish a QoS 1 stream each through a disk queue. The broker keeps its own state across
     * restarts (persistence on, as a production broker does), so everything it acknowledged
     * reaches the persistent subscriber; everything the gateways accepted must arrive, first
     * copies in publish order per gateway; duplicates are allowed (at-least-once) and reported.
     */
    @Test
    void everyAcceptedMessageArrivesInOrderAcrossBrokerRestarts() throws Exception {
        Mosquitto broker = keep(Mosquitto.builder().config("persistence true").config("max_queued_messages 0")
                .config("max_inflight_messages 0").start());
        int port = broker.port();
        Map<String, List<Integer>> received = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        PersistentSubscriber subscriber = keep(new PersistentSubscriber(broker.url(), "faults/#", received, duplicates));

        String[] gateways = { "gw-a", "gw-b" };
        List<Connections.Standalone> connections = new ArrayList<>();
        for (String gw : gateways) {
            Map<String, Object> cfg = config(gw, port);
            cfg.put("queue.storage", "disk");
            cfg.put("queue.directory", dir.resolve(gw).toString());
            cfg.put("queue.size", -1);
            connections.add(keep(Connections.open(cfg)));
        }
        for (Connections.Standalone c : connections) {
            Conditions.await("connected", Duration.ofSeconds(15), () -> c.state() == ConnectionState.CONNECTED);
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> refused = new AtomicReference<>();
        int[] accepted = new int[gateways.length];
        List<Thread> publishers = new ArrayList<>();
        for (int g = 0; g < gateways.length; g++) {
            int index = g;
            Connections.Standalone c = connections.get(g);
            Thread t = new Thread(() -> {
                int seq = 0;
                while (running.get()) {
                    try {
                        c.publish("faults/" + gateways[index], Integer.toString(seq).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
                        seq++;
                        accepted[index] = seq;
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        refused.compareAndSet(null, e); // the disk queue is unbounded: nothing may be refused
                        return;
                    }
                }
            }, "publisher-" + gateways[g]);
            publishers.add(t);
            t.start();
        }

        Random random = new Random(42);
        int[] cutAt = new int[gateways.length];
        for (int i = 0; i < RESTARTS; i++) {
            Thread.sleep(150 + random.nextInt(250));
            broker.stop();
            Thread.sleep(100 + random.nextInt(400)); // publishes keep being accepted into the disk queues meanwhile
            broker.start();
        }
        Thread.sleep(300);
        running.set(false);
        for (Thread t : publishers) {
            t.join(10_000);
        }
        assertEquals(null, refused.get(), "a publish was refused by a connection with an unbounded disk queue");
        for (int g = 0; g < gateways.length; g++) {
            cutAt[g] = accepted[g];
            Connections.Standalone c = connections.get(g);
            Conditions.await(gateways[g] + "'s queue drained", Duration.ofSeconds(60), () -> c.queuedMessages() == 0,
                    () -> "(" + c.queuedMessages() + " left)");
        }
        for (int g = 0; g < gateways.length; g++) {
            String topic = "faults/" + gateways[g];
            int expected = cutAt[g];
            Conditions.await("all " + expected + " messages of " + gateways[g], Duration.ofSeconds(60),
                    () -> distinct(received.get(topic)) >= expected, () -> "(" + distinct(received.get(topic)) + " distinct, first missing "
                            + firstMissing(received.get(topic), expected) + ", subscriber connections " + subscriber.connects.get()
                            + ")\nbroker log (end):\n" + tail(broker.log(), 4000));
            List<Integer> firstCopies = firstCopies(received.get(topic));
            for (int i = 0; i < expected; i++) {
                assertEquals(i, firstCopies.get(i).intValue(), gateways[g] + ": message " + i + " missing or out of order");
            }
        }
        System.out.printf("FAULTS broker restarts=%d accepted=%s duplicates=%d (%.3f%%)%n", RESTARTS,
                java.util.Arrays.toString(cutAt), duplicates.get(),
                100.0 * duplicates.get() / Math.max(1, cutAt[0] + cutAt[1]));
        assertTrue(cutAt[0] > 500 && cutAt[1] > 500, "the publishers barely published: " + java.util.Arrays.toString(cutAt));
    }

    /**
     * Two gateways configured with the same client id take the session from each other. Each
     * must back off further on every short-lived connection (no reconnect storm) and say why.
     */
    @Test
    void aDuplicateClientIdMakesTheBackoffGrowAndIsNamedInTheLog() throws Exception {
        Mosquitto broker = keep(Mosquitto.launch());
        List<Long> attempts = new CopyOnWriteArrayList<>();
        try (LogCapture log = new LogCapture()) {
            for (String id : new String[] { "twin-1", "twin-2" }) {
                Map<String, Object> cfg = config(id, broker.port());
                cfg.put("client.id", "the-same-client-id");
                cfg.put("reconnect.backoff.base.ms", 100L);
                cfg.put("reconnect.backoff.max.ms", 3_200L);
                Connections.Standalone c = keep(Connections.open(cfg));
                c.addStateListener(e -> {
                    if (e.current() == ConnectionState.CONNECTING) {
                        attempts.add(System.nanoTime());
                    }
                });
            }
            long start = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(DUPLICATE_SECONDS));
            double seconds = (System.nanoTime() - start) / 1e9;
            int count = attempts.size();
            // without backoff the two would reconnect hundreds of times a second; with 100 ms doubling to 3.2 s
            // each makes about 6 attempts in the first 6 s and one every 3.2 s after that
            double allowed = 2 * (6 + Math.max(0, seconds - 6) / 3.2) + 6;
            System.out.printf("FAULTS duplicate client id: %d connection attempts by two gateways in %.1f s%n", count, seconds);
            assertTrue(count <= allowed, count + " attempts in " + seconds + " s: the backoff does not grow (at most " + allowed + ")");
            assertTrue(count >= 4, "the two gateways stopped trying: " + count + " attempts");
            assertTrue(log.text().contains("another client uses client id 'the-same-client-id'"),
                    "the log does not name the likely cause");
        }
    }

    /**
     * The gateway process is killed with SIGKILL while it drains its disk queue into the broker;
     * the next process opening the queue delivers the rest. Nothing accepted is lost, first copies
     * arrive in order, and only what was in flight at the kill arrives twice.
     */
    @Test
    void aGatewayKilledWhileDrainingDeliversTheRestAfterRestart() throws Exception {
        Mosquitto broker = keep(Mosquitto.builder().config("persistence true").config("max_queued_messages 0").start());
        int port = broker.port();
        Map<String, List<Integer>> received = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        PersistentSubscriber subscriber = keep(new PersistentSubscriber(broker.url(), "killed/#", received, duplicates));
        broker.stop(); // the child accepts everything into its disk queue while the broker is down

        int total = 3000;
        Path queueDir = java.nio.file.Files.createDirectories(dir.resolve("queue"));
        Path accepted = dir.resolve("accepted.txt");
        Path childLog = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DiskQueueChild.class.getName(),
                Integer.toString(port), queueDir.toString(), accepted.toString(), Integer.toString(total), "300")
                        .redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
        List<Integer> topic;
        try {
            Conditions.await("the child accepting " + total + " publishes", Duration.ofSeconds(60),
                    () -> read(accepted).contains("done"), () -> read(childLog));
            broker.start();
            Conditions.await("the child draining", Duration.ofSeconds(60), () -> distinct(received.get("killed/stream")) >= 600,
                    () -> "(" + distinct(received.get("killed/stream")) + " received)\n" + read(childLog));
        } finally {
            child.destroyForcibly(); // SIGKILL while draining
            child.waitFor(10, TimeUnit.SECONDS);
        }
        int beforeRestart = distinct(received.get("killed/stream"));
        assertTrue(beforeRestart < total, "the child drained everything before it was killed; the test proves nothing");

        Map<String, Object> cfg = config("killed", port);
        cfg.put("client.id", "kill-child");
        cfg.put("queue.storage", "disk");
        cfg.put("queue.directory", queueDir.toString());
        cfg.put("queue.size", -1);
        try (Connections.Standalone c = Connections.open(cfg)) {
            Conditions.await("the queue drained after the restart", Duration.ofSeconds(60), () -> c.queuedMessages() == 0,
                    () -> "(" + c.queuedMessages() + " left)");
            Conditions.await("every accepted message", Duration.ofSeconds(60), () -> distinct(received.get("killed/stream")) >= total,
                    () -> "(" + distinct(received.get("killed/stream")) + " distinct)");
        }
        topic = received.get("killed/stream");
        List<Integer> firstCopies = firstCopies(topic);
        for (int i = 0; i < total; i++) {
            assertEquals(i, firstCopies.get(i).intValue(), "message " + i + " missing or out of order");
        }
        System.out.printf("FAULTS kill -9 while draining: %d of %d delivered before the kill, %d duplicates after the restart%n",
                beforeRestart, total, duplicates.get());
    }

    private static String read(Path file) {
        try {
            return java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** @return the values in the order their first copy arrived (later duplicates dropped) */
    private static List<Integer> firstCopies(List<Integer> values) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(values));
    }

    private static int firstMissing(List<Integer> values, int expected) {
        java.util.Set<Integer> set = values == null ? java.util.Set.of() : new java.util.HashSet<>(values);
        for (int i = 0; i < expected; i++) {
            if (!set.contains(i)) {
                return i;
            }
        }
        return -1;
    }

    private static String tail(String text, int chars) {
        return text.length() <= chars ? text : text.substring(text.length() - chars);
    }

    private static int distinct(List<Integer> values) {
        return values == null ? 0 : new java.util.HashSet<>(values).size();
    }

    /**
     * A raw Paho subscriber with a persistent session (clean session off) that records every message.
     * After a connection loss it reconnects with a fresh Paho client every 100 ms: Paho's own automatic
     * reconnect sometimes sends a second CONNECT on a loaded machine, which mosquitto answers by closing
     * the connection as a protocol error.
     */
    private static final class PersistentSubscriber implements AutoCloseable {
        private final String url;
        private final Map<String, List<Integer>> received;
        private final AtomicInteger duplicates;
        private final Map<String, java.util.Set<Integer>> seen = new ConcurrentHashMap<>();
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        final AtomicInteger connects = new AtomicInteger();
        private volatile MqttAsyncClient client;
        private volatile boolean closed;

        PersistentSubscriber(String url, String filter, Map<String, List<Integer>> received, AtomicInteger duplicates)
                throws Exception {
            this.url = url;
            this.received = received;
            this.duplicates = duplicates;
            connect();
            client.subscribe(filter, 1).waitForCompletion(10_000); // kept by the broker in the persistent session
        }

        private void connect() throws Exception {
            MqttAsyncClient c = new MqttAsyncClient(url, "fault-subscriber", new MemoryPersistence());
            c.setCallback(new MqttCallbackExtended() {
                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void connectionLost(Throwable cause) {
                    retry(c);
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    record(topic, message);
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            o.setAutomaticReconnect(false);
            o.setConnectionTimeout(5);
            client = c;
            c.connect(o).waitForCompletion(10_000);
            connects.incrementAndGet();
        }

        private void retry(MqttAsyncClient lost) {
            if (closed) {
                return;
            }
            try {
                lost.close(true);
            } catch (Exception e) {
                // gone anyway
            }
            timer.schedule(() -> {
                if (closed) {
                    return;
                }
                try {
                    connect();
                } catch (Exception e) {
                    try {
                        client.close(true);
                    } catch (Exception ignored) {
                        // not connected
                    }
                    retry(client);
                }
            }, 100, TimeUnit.MILLISECONDS);
        }

        private void record(String topic, MqttMessage message) {
            int v = Integer.parseInt(new String(message.getPayload(), UTF_8));
            List<Integer> list = received.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>());
            if (!seen.computeIfAbsent(topic, t -> ConcurrentHashMap.newKeySet()).add(v)) {
                duplicates.incrementAndGet();
            }
            list.add(v);
        }

        @Override
        public void close() throws Exception {
            closed = true;
            timer.shutdownNow();
            try {
                client.disconnectForcibly(100, 1000);
            } catch (Exception e) {
                // already gone
            }
            client.close(true);
        }
    }
}
