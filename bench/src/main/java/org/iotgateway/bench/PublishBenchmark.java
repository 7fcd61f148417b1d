package org.iotgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.net.SocketFactory;

import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.TestPki;
import org.iotgateway.tls.NoDelaySocketFactory;
import org.iotgateway.tls.SafeSocketFactory;
import org.iotgateway.tls.TlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publish throughput of {@code IoTConnection} against raw Paho {@code MqttAsyncClient}, and heap retained per idle
 * connection, against one local mosquitto started for the run. Writes the results to {@code bench/RESULTS.md}.
 * <p>
 * Run with {@code mvn -B -pl bench -am -Pbench verify -DskipTests} (see {@code bench/README.md}); parameters are system
 * properties {@code bench.*} (the pom passes them on).
 * <p>
 * Method, per cell (transport x QoS x window W): one raw Paho client ({@code maxInflight = W}) and one
 * {@code IoTConnection} ({@code max.inflight = W}) stay connected to the same broker for the whole cell. Each variant
 * gets a warm-up batch, then every round runs one timed batch per variant, the order rotated from round to round.
 * Windowed variants keep at most W publishes outstanding with a semaphore released on completion (PUBACK for QoS 1,
 * written for QoS 0). Two windowed IoTConnection variants differ only in where that release runs: on the connection's
 * dispatcher ({@code whenComplete}, the library's default) or on the thread that completed the stage
 * ({@code whenCompleteAsync(callback, Runnable::run)}, the documented opt-out), which is where raw Paho runs its
 * listener. The "no app window" variant hands all publishes to {@code IoTConnection} at once and lets its
 * queue and window pace them.
 */
public final class PublishBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(PublishBenchmark.class);
    static final long BATCH_TIMEOUT_SECONDS = 300;

    record Config(int rounds, int warmup, int messagesQos0, int messagesQos1, List<Integer> windows, List<Integer> payloads,
            List<String> transports, List<Integer> qos, boolean flood, int idleConnections, int idleRepeats,
            int latencyRate, int latencySeconds, int latencyRepeats, int latencyWarmup, int queueMessages, int queueFsyncMessages, List<Double> drainFrequencies,
            String pahoVersion, Path results) {

        static Config fromSystemProperties() {
            return new Config(
                    Integer.getInteger("bench.rounds", 9),
                    Integer.getInteger("bench.warmup", 20_000),
                    Integer.getInteger("bench.messages.qos0", 100_000),
                    Integer.getInteger("bench.messages.qos1", 50_000),
                    ints(System.getProperty("bench.windows", "20,100")),
                    ints(System.getProperty("bench.payloads", "256,16384")),
                    strings(System.getProperty("bench.transports", "tcp,tls")),
                    ints(System.getProperty("bench.qos", "0,1")),
                    Boolean.parseBoolean(System.getProperty("bench.flood", "true")),
                    Integer.getInteger("bench.idle.connections", 50),
                    Integer.getInteger("bench.idle.repeats", 3),
                    Integer.getInteger("bench.latency.rate", 1000),
                    Integer.getInteger("bench.latency.seconds", 10),
                    Integer.getInteger("bench.latency.repeats", 3),
                    Integer.getInteger("bench.latency.warmup", 2),
                    Integer.getInteger("bench.queue.messages", 100_000),
                    Integer.getInteger("bench.queue.fsync.messages", 2_000),
                    strings(System.getProperty("bench.queue.drain.hz", "10,100,1000")).stream().map(Double::valueOf).toList(),
                    System.getProperty("bench.paho.version", "unknown"),
                    Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath());
        }

        /** Messages per batch: a fifth for payloads over 1 KiB, so that a batch takes a similar time. */
        int messages(int q, int payloadBytes) {
            int n = q == 0 ? messagesQos0 : messagesQos1;
            return payloadBytes > 1024 ? Math.max(1000, n / 5) : n;
        }

        int payloadBytes() {
            return payloads.get(0);
        }

        private static List<String> strings(String csv) {
            return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }

        private static List<Integer> ints(String csv) {
            return strings(csv).stream().map(Integer::valueOf).toList();
        }
    }

    /** One variant of a cell and its samples (msgs/s per round). */
    static final class Variant {
        final String name;
        final Publisher publisher;
        final int window;
        final List<Double> samples = new ArrayList<>();
        final Map<String, List<Double>> cpuMicros = new LinkedHashMap<>();
        int failures;
        Throwable firstFailure;

        Variant(String name, Publisher publisher, int window) {
            this.name = name;
            this.publisher = publisher;
            this.window = window;
        }
    }

    /** Results of one cell. */
    record Cell(String transport, int qos, int window, int payloadBytes, int messages, List<Double> raw, List<Double> ours,
            List<Double> oursInline, List<Double> oursNoWindow, Map<String, Map<String, Stats>> cpuMicrosPerMessage,
            int failures, String failureNote) {
    }

    private PublishBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.fromSystemProperties();
        Instant started = Instant.now();
        String loadBefore = Machine.loadAverage();
        LOG.info("benchmark starting: {}", config);
        Path dir = Files.createTempDirectory("iotgw-bench-");
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki.Issued server = pki.server();
        TestPki.Issued device = pki.client("bench-device");
        IoTConnectionPublisher.Tls tls = new IoTConnectionPublisher.Tls(device.caCert(), device.cert(), device.key());
        byte[] payload = new byte[config.payloadBytes()];
        new Random(42).nextBytes(payload);
        List<LatencyBenchmark.Result> latencies = new ArrayList<>();
        List<String> latencyFailures = new ArrayList<>();
        QueueBenchmark.Result queue = null;

        List<IdleHeap.Result> idle = new ArrayList<>();
        List<Cell> cells = new ArrayList<>();
        String mosquittoVersion = Machine.mosquittoVersion();
        try (Mosquitto broker = Mosquitto.builder().tls(server).requireCertificate(true).config("set_tcp_nodelay true").start()) {
            LOG.info("mosquitto: plain port {}, TLS port {}", broker.port(), broker.tlsPort());

            // ---------------------------------------------------------------- idle heap (fresh JVM first)
            if (config.idleConnections() > 0) {
                for (String transport : config.transports()) {
                    boolean isTls = transport.equals("tls");
                    String host = isTls ? "localhost" : "127.0.0.1";
                    int port = isTls ? broker.tlsPort() : broker.port();
                    idle.add(IdleHeap.measure(transport, "raw Paho", "idle-raw-" + transport,
                            id -> RawPahoPublisher.connect(uri(isTls, host, port), id, 20,
                                    rawSocketFactory(isTls ? tls : null)),
                            config.idleConnections(), config.idleRepeats()));
                    idle.add(IdleHeap.measure(transport, "IoTConnection", "idle-ours-" + transport,
                            id -> IoTConnectionPublisher.open(host, port, isTls ? tls : null, id, 20),
                            config.idleConnections(), config.idleRepeats()));
                }
            }

            // ---------------------------------------------------------------- throughput
            for (String transport : config.transports()) {
                boolean isTls = transport.equals("tls");
                String host = isTls ? "localhost" : "127.0.0.1";
                int port = isTls ? broker.tlsPort() : broker.port();
                for (int window : config.windows()) {
                    String suffix = transport + "-w" + window;
                    try (RawPahoPublisher raw = RawPahoPublisher.connect(uri(isTls, host, port), "bench-raw-" + suffix,
                            window, rawSocketFactory(isTls ? tls : null));
                            IoTConnectionPublisher ours = IoTConnectionPublisher.open(host, port, isTls ? tls : null,
                                    "bench-ours-" + suffix, window)) {
                        for (int size : config.payloads()) {
                            byte[] p = new byte[size];
                            new Random(42).nextBytes(p);
                            for (int q : config.qos()) {
                                cells.add(runCell(config, transport, q, window, raw, ours, p));
                            }
                        }
                    }
                }
            }

            // ---------------------------------------------------------------- latency at a fixed rate
            if (config.latencySeconds() > 0) {
                for (String transport : config.transports()) {
                    boolean isTls = transport.equals("tls");
                    String host = isTls ? "localhost" : "127.0.0.1";
                    int port = isTls ? broker.tlsPort() : broker.port();
                    SocketFactory subscriberSockets = rawSocketFactory(isTls ? tls : null);
                    try (RawPahoPublisher raw = RawPahoPublisher.connect(uri(isTls, host, port), "latency-raw-" + transport,
                            100, rawSocketFactory(isTls ? tls : null));
                            IoTConnectionPublisher ours = IoTConnectionPublisher.open(host, port, isTls ? tls : null,
                                    "latency-ours-" + transport, 100)) {
                        for (int size : config.payloads()) {
                            for (int q : config.qos()) {
                                LatencyCell cell = new LatencyCell(subscriberSockets, host, port, transport, q, size,
                                        config.latencyRate());
                                if (config.latencyWarmup() > 0) {
                                    // not recorded: the JIT compiles each client's path for this payload and QoS
                                    for (Publisher pub : List.<Publisher>of(raw, ours)) {
                                        latencyRun(cell, pub, config.latencyWarmup(), null, null);
                                    }
                                }
                                for (int repeat = 0; repeat < config.latencyRepeats(); repeat++) {
                                    for (Publisher pub : repeat % 2 == 0 ? List.<Publisher>of(raw, ours)
                                            : List.<Publisher>of(ours, raw)) {
                                        latencyRun(cell, pub, config.latencySeconds(), latencies, latencyFailures);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        // -------------------------------------------------------------------- offline disk queue
        if (config.queueMessages() > 0) {
            queue = QueueBenchmark.run(dir.resolve("queue"), config.queueMessages(), config.queueFsyncMessages(),
                    config.drainFrequencies(), payload);
        }
        Instant finished = Instant.now();

        String section = Report.section(config, started, finished, loadBefore, Machine.loadAverage(),
                mosquittoVersion, cells, idle);
        if (!latencies.isEmpty()) {
            section += "### End-to-end latency at a fixed rate\n\n"
                    + LatencyBenchmark.describe(config.latencyRate(), config.latencySeconds(), config.latencyRepeats()) + " Target: IoTConnection "
                    + "within 10% of raw Paho.\n\n" + LatencyBenchmark.table(latencies) + "\n";
        }
        if (!latencyFailures.isEmpty()) {
            section += "Latency runs that failed: " + String.join("; ", latencyFailures) + ".\n\n";
        }
        if (queue != null) {
            section += QueueBenchmark.section(queue, config.payloadBytes());
        }
        Report.write(config.results(), section);
        System.out.println();
        System.out.println(section);
        LOG.info("results written to {}", config.results());
        System.exit(0); // no lingering non-daemon threads from the clients
    }

    private static Cell runCell(Config config, String transport, int qos, int window, RawPahoPublisher raw,
            IoTConnectionPublisher ours, byte[] payload) throws Exception {
        String topic = "bench/" + transport + "/qos" + qos + "/" + payload.length;
        int messages = config.messages(qos, payload.length);
        List<Variant> variants = new ArrayList<>();
        Variant vRaw = new Variant("raw Paho", raw, window);
        Variant vOurs = new Variant("IoTConnection", ours, window);
        Variant vInline = new Variant("IoTConnection, callback on completing thread", ours.callbacksOnCompletingThread(),
                window);
        variants.add(vRaw);
        variants.add(vOurs);
        variants.add(vInline);
        Variant vFlood = null;
        if (config.flood()) {
            vFlood = new Variant("IoTConnection, no app window", ours, 0);
            variants.add(vFlood);
        }
        LOG.info("cell {} QoS {} window {}: warm-up {} messages per variant", transport, qos, window, config.warmup());
        for (Variant v : variants) {
            Runner.run(v.publisher, topic, payload, qos, config.warmup(), v.window, BATCH_TIMEOUT_SECONDS);
            pause();
        }
        for (int r = 0; r < config.rounds(); r++) {
            for (int k = 0; k < variants.size(); k++) {
                Variant v = variants.get((r + k) % variants.size());
                Runner.Batch b = Runner.run(v.publisher, topic, payload, qos, messages, v.window, BATCH_TIMEOUT_SECONDS);
                v.samples.add(b.perSecond());
                for (String g : b.cpu().keySet()) {
                    v.cpuMicros.computeIfAbsent(g, x -> new ArrayList<>()).add(b.perMessage(g));
                }
                v.failures += b.failures();
                if (v.firstFailure == null) {
                    v.firstFailure = b.firstFailure();
                }
                LOG.info("cell {} QoS {} window {} round {}: {} {} msgs/s, {} us CPU/msg, {} B allocated/msg, "
                        + "{} context switches/msg{}", transport, qos, window, r + 1, v.name,
                        Math.round(b.perSecond()), String.format("%.1f", b.perMessage(ThreadCpu.PROCESS)),
                        Math.round(b.perMessage(ThreadCpu.ALLOCATED)),
                        String.format("%.2f", b.perMessage(ThreadCpu.SWITCHES)),
                        b.failures() > 0 ? " (" + b.failures() + " failed)" : "");
                pause();
            }
        }
        Map<String, Map<String, Stats>> cpu = new LinkedHashMap<>();
        for (Variant v : variants) {
            Map<String, Stats> groups = new LinkedHashMap<>();
            v.cpuMicros.forEach((g, samples) -> groups.put(g, Stats.of(samples)));
            cpu.put(v.name, groups);
        }
        int failures = 0;
        StringBuilder note = new StringBuilder();
        for (Variant v : variants) {
            failures += v.failures;
            if (v.firstFailure != null) {
                note.append(v.name).append(": ").append(v.failures).append(" failed, first: ").append(v.firstFailure)
                        .append("; ");
            }
        }
        return new Cell(transport, qos, window, payload.length, messages, vRaw.samples, vOurs.samples,
                vInline.samples, vFlood == null ? List.of() : vFlood.samples, cpu, failures, note.toString());
    }

    /** Lets the broker finish what it still reads and the heap settle between batches. */
    /** One latency cell: where the subscriber connects, what is published, at which rate. */
    private record LatencyCell(SocketFactory subscriberSockets, String host, int port, String transport, int qos,
            int payloadBytes, int rate) {
    }

    /**
     * One latency run of {@code seconds}, then a pause. A failed run is logged (and listed in {@code failures}
     * when recorded) and does not lose the rest of the run's results.
     *
     * @param results where the result goes; null for an unrecorded warm-up run
     */
    private static void latencyRun(LatencyCell cell, Publisher pub, int seconds, List<LatencyBenchmark.Result> results,
            List<String> failures) {
        String what = cell.transport() + " QoS " + cell.qos() + " " + cell.payloadBytes() + " B " + pub.label();
        try {
            LatencyBenchmark.Result r = LatencyBenchmark.measure(pub, cell.subscriberSockets(), cell.host(), cell.port(),
                    cell.transport(), cell.qos(), cell.payloadBytes(), cell.rate(), seconds);
            if (results != null) {
                LOG.info("latency {}: p50 {} us, p99 {} us, {} of {} received", what, Math.round(r.p50()),
                        Math.round(r.p99()), r.received(), r.sent());
                results.add(r);
            }
        } catch (Exception e) {
            LOG.warn("latency {}{} failed: {}", results == null ? "warm-up " : "", what, e.toString());
            if (failures != null) {
                failures.add(what + ": " + e);
            }
        }
        pause();
    }

    private static void pause() {
        System.gc();
        IoTConnectionPublisher.sleep(300);
    }

    private static String uri(boolean tls, String host, int port) {
        return (tls ? "ssl://" : "tcp://") + host + ":" + port;
    }

    /**
     * Raw Paho gets the same sockets as IoTConnection: TCP_NODELAY on, TLS 1.2/1.3 with hostname
     * verification, a fresh context per client as an application with per-device credentials would build.
     * Without TCP_NODELAY raw Paho would coalesce small publishes (Nagle) that IoTConnection sends at once,
     * and the comparison would measure the socket option instead of the client.
     */
    private static SocketFactory rawSocketFactory(IoTConnectionPublisher.Tls tls) {
        if (tls == null) {
            return NoDelaySocketFactory.direct();
        }
        return SafeSocketFactory.of(TlsContexts.builder().trustedCertificates(tls.ca(), "ca").clientCertificate(tls.cert(),
                "cert", tls.key(), "key").build());
    }

    static String utc(Instant t) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC).format(t);
    }
}
