package org.iotgateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.tls.NoDelaySocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shadow updates through the emulator ({@code org.iotgateway.emulator.Emulator}, in this JVM): N things,
 * each with one update in flight at a time (the next one is sent when {@code update/accepted} for the
 * previous one arrives), spread over C raw Paho connections; sustained updates/s, round trip
 * (publish to {@code update/accepted}) p50/p99, and the emulator's heap with the N shadows stored.
 *
 * <p>Run with {@code mvn -B -pl bench -am -Pbench-emulator verify -DskipTests} (see README.md).
 */
public final class EmulatorBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatorBenchmark.class);
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** One configuration: things updating, over how many connections. */
    record Shape(int things, int connections) {
        static Shape parse(String s) {
            String[] p = s.trim().split("x");
            if (p.length != 2) {
                throw new IllegalArgumentException("a configuration is <things>x<connections>, e.g. 1000x50: " + s);
            }
            Shape shape = new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
            if (shape.things < 1 || shape.connections < 1 || shape.connections > shape.things) {
                throw new IllegalArgumentException("need 1 <= connections <= things: " + s);
            }
            return shape;
        }
    }

    record Result(Shape shape, double updatesPerSecond, double p50Millis, double p99Millis, long updates, long rejected,
            long publishFailures, long emulatorIdleBytes, long sessionsBytes, long shadowBytes,
            long emulatorWithShadowsBytes, long afterRunBytes) {
    }

    /** A thing and its one request in flight. */
    private static final class Thing {
        final String name;
        final String updateTopic;
        final Connection connection;
        long counter;
        long sentNanos;
        boolean inFlight;

        Thing(String name, Connection connection) {
            this.name = name;
            this.updateTopic = "$aws/things/" + name + "/shadow/update";
            this.connection = connection;
        }
    }

    private enum Phase {
        CREATE, WARMUP, MEASURE, STOP
    }

    private final class Connection implements MqttCallback {
        final MqttAsyncClient client;
        final Map<String, Thing> byAcceptedTopic = new HashMap<>();
        final Map<String, Thing> byRejectedTopic = new HashMap<>();
        final List<Thing> things = new ArrayList<>();
        long[] latencies = new long[1024];
        int latencyCount;
        long measured;

        Connection(String url, String clientId) throws MqttException {
            client = new MqttAsyncClient(url, clientId, new MemoryPersistence());
            client.setCallback(this);
        }

        void add(Thing t) {
            things.add(t);
            byAcceptedTopic.put(t.updateTopic + "/accepted", t);
            byRejectedTopic.put(t.updateTopic + "/rejected", t);
        }

        IMqttToken connect() throws MqttException {
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setKeepAliveInterval(60);
            o.setConnectionTimeout(120);
            o.setMaxInflight(things.size() * 2 + 10);
            o.setAutomaticReconnect(false);
            // as the devices of the other benchmarks: without TCP_NODELAY, a thing's next update waits behind the
            // PUBACK of its last reply for the broker's delayed ACK (~40 ms), and 1x1 measures that, not the emulator
            o.setSocketFactory(NoDelaySocketFactory.direct());
            return client.connect(o);
        }

        void subscribe() throws MqttException {
            List<String> filters = new ArrayList<>();
            filters.addAll(byAcceptedTopic.keySet());
            filters.addAll(byRejectedTopic.keySet());
            for (int i = 0; i < filters.size(); i += 8) { // AWS IoT takes at most 8 filters per SUBSCRIBE
                String[] batch = filters.subList(i, Math.min(filters.size(), i + 8)).toArray(new String[0]);
                int[] qos = new int[batch.length];
                Arrays.fill(qos, 1);
                client.subscribe(batch, qos).waitForCompletion(60_000);
            }
        }

        /** Sends the thing's next update (on the Paho callback thread, or the main thread to start). */
        synchronized void send(Thing t) {
            t.counter++;
            String payload = String.format(Locale.ROOT, "{\"state\":{\"reported\":{\"temperature\":%.1f,\"humidity\":%d,"
                    + "\"counter\":%d,\"firmware\":\"1.4.2\",\"status\":\"running\",\"location\":{\"lat\":48.137,"
                    + "\"lon\":11.575},\"alarms\":[]}},\"clientToken\":\"%s-%d\"}",
                    20 + (t.counter % 100) / 10.0, 40 + t.counter % 20, t.counter, t.name, t.counter);
            t.inFlight = true;
            t.sentNanos = System.nanoTime();
            try {
                MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
                m.setQos(1);
                client.publish(t.updateTopic, m);
            } catch (MqttException e) {
                t.inFlight = false;
                publishFailures.incrementAndGet();
                LOG.warn("publish for {} failed: {}", t.name, e.toString());
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Thing t = byAcceptedTopic.get(topic);
            boolean accepted = t != null;
            if (t == null) {
                t = byRejectedTopic.get(topic);
                if (t == null) {
                    return;
                }
                rejected.incrementAndGet();
                LOG.warn("rejected: {} {}", topic, new String(message.getPayload(), StandardCharsets.UTF_8));
            }
            synchronized (this) {
                if (!t.inFlight) {
                    return;
                }
                t.inFlight = false;
                long rtt = System.nanoTime() - t.sentNanos;
                Phase p = phase;
                if (p == Phase.CREATE) {
                    created.countDown();
                    return;
                }
                if (p == Phase.MEASURE && accepted) {
                    measured++;
                    if (latencyCount == latencies.length) {
                        latencies = Arrays.copyOf(latencies, latencies.length * 2);
                    }
                    latencies[latencyCount++] = rtt;
                }
                if (p != Phase.STOP) {
                    send(t);
                }
            }
        }

        @Override
        public void connectionLost(Throwable cause) {
            LOG.warn("connection {} lost: {}", client.getClientId(), String.valueOf(cause));
            connectionsLost.incrementAndGet();
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // completion of the publish itself is not what is measured
        }

        synchronized boolean idle() {
            return things.stream().noneMatch(t -> t.inFlight);
        }

        void close() {
            try {
                client.disconnect(5_000).waitForCompletion(10_000);
            } catch (MqttException e) {
                LOG.debug("disconnect: {}", e.toString());
            }
            try {
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("close: {}", e.toString());
            }
        }
    }

    private volatile Phase phase = Phase.CREATE;
    private CountDownLatch created;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final AtomicLong connectionsLost = new AtomicLong();

    /**
     * Used heap after full GCs, repeated until two readings agree within 256 KB (threads of a stopped emulator or
     * closed clients release their thread-local caches only once they have ended).
     */
    private static long usedHeapAfterGc() throws InterruptedException {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(250);
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(previous - used) < 256 * 1024) {
                return Math.min(previous, used);
            }
            previous = used;
        }
        return previous;
    }

    /**
     * Waits until the JVM runs at most {@code threads} threads: a stopped emulator's or closed client's threads end
     * a little after stop/close returns, and what they still reference is only garbage once they have.
     */
    private static void awaitThreads(int threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Thread.activeCount() > threads && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (Thread.activeCount() > threads) {
            LOG.warn("{} threads still running, expected at most {}", Thread.activeCount(), threads);
        }
    }

    Result run(Shape shape, Duration warmup, Duration measure, int round, int baseThreads) throws Exception {
        awaitThreads(baseThreads);
        long before = usedHeapAfterGc();
        try (Emulator emulator = Emulator.builder().build().start()) {
            long idle = usedHeapAfterGc();
            int emulatorThreads = Thread.activeCount();
            List<Connection> connections = new ArrayList<>();
            try {
                for (int c = 0; c < shape.connections; c++) {
                    connections.add(new Connection(emulator.mqttUrl(), "bench-" + round + "-" + c));
                }
                List<Thing> things = new ArrayList<>();
                for (int i = 0; i < shape.things; i++) {
                    Connection c = connections.get(i % shape.connections);
                    Thing t = new Thing(String.format("bench-%d-thing-%05d", round, i), c);
                    c.add(t);
                    things.add(t);
                }
                // connect all at once (connecting 1,000 clients one after another takes minutes on a busy machine)
                List<IMqttToken> connecting = new ArrayList<>();
                for (Connection c : connections) {
                    connecting.add(c.connect());
                }
                for (IMqttToken t : connecting) {
                    t.waitForCompletion(180_000);
                }
                for (Connection c : connections) {
                    c.subscribe();
                }
                long connected = usedHeapAfterGc();

                // every thing gets its shadow: one report from the device, one desired state from the control API
                phase = Phase.CREATE;
                created = new CountDownLatch(shape.things);
                for (Thing t : things) {
                    t.connection.send(t);
                }
                if (!created.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("shadows not created: " + created.getCount() + " missing");
                }
                for (Thing t : things) {
                    emulator.setDesired(t.name, null, "{\"interval\":60,\"mode\":\"auto\",\"threshold\":{\"high\":30}}");
                }
                long withShadows = usedHeapAfterGc();

                phase = Phase.WARMUP;
                for (Thing t : things) {
                    t.connection.send(t);
                }
                Thread.sleep(warmup.toMillis());
                phase = Phase.MEASURE;
                long t0 = System.nanoTime();
                Thread.sleep(measure.toMillis());
                phase = Phase.STOP;
                double seconds = (System.nanoTime() - t0) / 1e9;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline && !connections.stream().allMatch(Connection::idle)) {
                    Thread.sleep(20);
                }
                long updates = 0;
                List<Long> all = new ArrayList<>();
                for (Connection c : connections) {
                    synchronized (c) {
                        updates += c.measured;
                        for (int i = 0; i < c.latencyCount; i++) {
                            all.add(c.latencies[i]);
                        }
                    }
                }
                all.sort(null);
                double p50 = all.isEmpty() ? Double.NaN : all.get(all.size() / 2) / 1e6;
                double p99 = all.isEmpty() ? Double.NaN : all.get(Math.min(all.size() - 1, (int) (all.size() * 0.99))) / 1e6;
                String firstThing = things.get(0).name;
                for (Connection c : connections) {
                    c.close();
                }
                connections.clear();
                things.clear(); // nothing of the clients stays reachable
                all = null;
                awaitThreads(emulatorThreads);
                long afterRun = usedHeapAfterGc();
                String check = emulator.shadow(firstThing).orElseThrow();
                if (!check.contains("\"counter\"") || !check.contains("\"interval\"")) {
                    throw new IllegalStateException("unexpected shadow: " + check);
                }
                return new Result(shape, updates / seconds, p50, p99, updates, rejected.get(), publishFailures.get(),
                        idle - before, connected - idle, (withShadows - connected) / shape.things,
                        afterRun - before, afterRun - idle);
            } finally {
                for (Connection c : connections) {
                    c.close();
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        // one emulator started and stopped first, so that JVM-wide one-time allocations (class statics, Netty's
        // allocator, JIT) do not count against the first configuration
        Emulator.builder().build().start().stop();
        Thread.sleep(3000);
        int baseThreads = Thread.activeCount();
        List<Shape> shapes = new ArrayList<>();
        for (String s : System.getProperty("bench.emulator.configs", "1x1,1000x50,1000x1000").split(",")) {
            shapes.add(Shape.parse(s));
        }
        Duration warmup = Duration.ofSeconds(Long.getLong("bench.emulator.warmup", 10));
        Duration measure = Duration.ofSeconds(Long.getLong("bench.emulator.duration", 30));
        Path results = Path.of(System.getProperty("bench.results", "bench/RESULTS.md"));
        String loadBefore = Machine.loadAverage();
        Instant started = Instant.now();
        List<Result> out = new ArrayList<>();
        int round = 0;
        for (Shape shape : shapes) {
            LOG.info("{} things over {} connections: warm-up {} s, measuring {} s", shape.things, shape.connections,
                    warmup.toSeconds(), measure.toSeconds());
            EmulatorBenchmark b = new EmulatorBenchmark();
            Result r = b.run(shape, warmup, measure, round++, baseThreads);
            if (b.connectionsLost.get() > 0) {
                throw new IllegalStateException(b.connectionsLost.get() + " connections lost during the run");
            }
            LOG.info("{}", r);
            out.add(r);
        }
        String section = section(out, warmup, measure, started, Instant.now(), loadBefore, Machine.loadAverage());
        System.out.println(section);
        writeSection(results, section);
        LOG.info("written to {}", results);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1024.0 / 1024.0);
    }

    static String section(List<Result> results, Duration warmup, Duration measure, Instant started, Instant finished,
            String loadBefore, String loadAfter) {
        StringBuilder md = new StringBuilder();
        md.append("### Emulator run of ").append(PublishBenchmark.utc(started)).append("\n\n");
        md.append("- **Machine:** ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(Machine.cpuModel()).append(", ").append(Machine.memory()).append(" RAM, ").append(Machine.os())
                .append('\n');
        md.append("- **JDK:** ").append(Machine.jdk()).append("; JVM options `").append(Machine.jvmOptions())
                .append("`\n");
        md.append("- **Emulator:** ").append(Machine.jarOf(Emulator.class))
                .append(", in the benchmark's JVM, default settings (processing threads = max(2, CPUs)), plain TCP\n");
        md.append("- **Clients:** raw Paho `MqttAsyncClient` ").append(System.getProperty("bench.paho.version", ""))
                .append(" in the same JVM, QoS 1 publish and subscriptions (each connection subscribes to its own things'")
                .append(" `update/accepted` and `update/rejected`), clean session, TCP_NODELAY (as IoTConnection)\n");
        md.append("- **Load average** (1/5/15 min) before: ").append(loadBefore).append(", after: ").append(loadAfter)
                .append("; duration ").append(Duration.between(started, finished).toSeconds()).append(" s\n");
        md.append("- **Method:** every thing has exactly one update in flight; the next is published when its ")
                .append("`update/accepted` arrives. A ~250-byte report of 8 leaves (one nested object, one array) per ")
                .append("update; each shadow also holds a desired section of 4 leaves (so every update computes a delta). ")
                .append("Warm-up ").append(warmup.toSeconds()).append(" s, then ").append(measure.toSeconds())
                .append(" s measured. Heap: used heap after `System.gc()` (repeated until two readings agree within 256 KB, once the threads of a stopped emulator or of closed clients have ended), differences between the stages.\n\n");
        md.append("| things | connections | updates/s | round trip p50 | p99 | updates measured | rejected | "
                + "emulator heap, idle | emulator heap with the shadows, clients gone | per shadow | per shadow, at creation |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            // a per-shadow figure from fewer than 100 shadows is GC noise
            String perShadow = r.shape().things() < 100 ? "–"
                    : String.format(Locale.ROOT, "%,d B", r.afterRunBytes() / r.shape().things());
            String atCreation = r.shape().things() < 100 ? "–" : String.format(Locale.ROOT, "%,d B", r.shadowBytes());
            md.append(String.format(Locale.ROOT, "| %,d | %,d | **%,.0f** | %.2f ms | %.2f ms | %,d | %d | %s | **%s** | %s | %s |%n",
                    r.shape().things(), r.shape().connections(), r.updatesPerSecond(), r.p50Millis(), r.p99Millis(),
                    r.updates(), r.rejected() + r.publishFailures(), mib(r.emulatorIdleBytes()),
                    mib(r.emulatorWithShadowsBytes()), perShadow, atCreation));
        }
        md.append('\n');
        md.append("*rejected*: `update/rejected` answers plus failed publishes (none expected: one request per thing in ")
                .append("flight is far below the 10 allowed). *emulator heap with the shadows*: the emulator with every ")
                .append("shadow after the run and all clients disconnected, minus the heap before it started. *per shadow*: ")
                .append("that minus the idle emulator, divided by the number of shadows. *per shadow, at creation*: heap ")
                .append("after creating the shadows minus before, divided by their number, with the clients connected ")
                .append("(includes what the broker and the clients still hold for the creating requests).\n");
        return md.toString();
    }

    private static final int KEEP = 5;

    /** Newest run on top of the emulator block, before the publish benchmark's runs; the last few kept. */
    static void writeSection(Path file, String section) throws java.io.IOException {
        ResultBlock.write(file, "emulator", "## Emulator: shadow updates with 1,000 things, and its heap\n\n"
                + "Written by `mvn -B -pl bench -am -Pbench-emulator verify -DskipTests` (program `EmulatorBenchmark`, "
                + "see [README.md](README.md)); newest run first, the last " + KEEP + " kept.\n\n",
                "### Emulator run of ", section, KEEP);
    }
}
