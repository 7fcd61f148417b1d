package org.iotgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.iotgateway.emulator.Emulator;
import org.iotgateway.jobs.internal.JobsRoundTrips;
import org.iotgateway.mqtt.internal.Connections;
import org.iotgateway.shadow.internal.ShadowRoundTrips;

/**
 * Shadow and jobs round trips on the emulator, the numbers their issues asked for, in the bench harness:
 * one emulator in this JVM (plain TCP), one IoTConnection, and the shadow and jobs bundles' engines on it.
 * Writes a section to RESULTS.md between {@code <!-- roundtrip -->} markers.
 */
public final class RoundTripBenchmark {

    private static final int KEEP = 5;
    /** Warm-up round trips per client also reported: a gateway's shadow code runs this seldom, not compiled by C2. */
    private static final int EARLY = 300;

    private RoundTripBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int shadowWarmup = Integer.getInteger("bench.roundtrip.shadow.warmup", 6000);
        int shadowCount = Integer.getInteger("bench.roundtrip.shadow.count", 1200);
        int rounds = 6;
        int jobsWarmup = Integer.getInteger("bench.roundtrip.jobs.warmup", 500);
        int jobsCount = Integer.getInteger("bench.roundtrip.jobs.count", 200);
        Path results = Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath();
        Path certificates = Files.createTempDirectory("iotgw-roundtrip-");
        String loadBefore = Machine.loadAverage();
        Instant started = Instant.now();
        Emulator emulator = Emulator.builder().certificateDirectory(certificates).tlsPort(-1).websocketPort(-1)
                .discoveryPort(-1).build().start();
        ShadowRoundTrips.Result shadow;
        long[] jobs;
        try {
            try (Connections.Standalone c = connect(emulator, "roundtrip-shadow")) {
                shadow = ShadowRoundTrips.measure(c, "tcp://" + emulator.host() + ":" + emulator.mqttPort(), "bench-rt",
                        shadowWarmup, shadowCount, rounds, EARLY);
            }
            try (Connections.Standalone c = connect(emulator, "roundtrip-jobs")) {
                jobs = JobsRoundTrips.measure(emulator, c, "bench-jobs", jobsWarmup, jobsCount);
            }
        } finally {
            emulator.stop();
        }
        Instant finished = Instant.now();
        int early = shadow.early()[0].length; // EARLY, or the whole warm-up if shorter
        StringBuilder md = new StringBuilder();
        md.append("### Round-trip run of ").append(PublishBenchmark.utc(started)).append("\n\n");
        md.append("- **Machine:** ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(Machine.cpuModel()).append(", ").append(Machine.os()).append("; ").append(Machine.jdk()).append('\n');
        md.append("- **Setup:** the emulator in this JVM (plain TCP, Moquette), IoTConnection (`iotgw-mqtt`), the shadow "
                + "and jobs bundles' engines on it, raw Paho 1.2.5; every socket with TCP_NODELAY; QoS 1\n");
        md.append("- **Load average** before: ").append(loadBefore).append(", after: ").append(Machine.loadAverage())
                .append("; duration ").append(Duration.between(started, finished).toSeconds()).append(" s\n");
        md.append("- **Shadow:** request to `update/accepted`, a one-leaf reported update; ").append(shadowWarmup)
                .append(" warm-up round trips per client together (enough for the JIT to compile the three paths; the first ")
                .append(early).append(" of them, while the paths are still being compiled, are in the last column), then ").append(shadowCount)
                .append(" per client in ").append(rounds).append(" interleaved rounds whose order rotates. **Jobs:** job created on the emulator to the "
                        + "SUCCEEDED answer reaching the gateway, a no-op handler, one job at a time, ")
                .append(jobsCount).append(" jobs after ").append(jobsWarmup).append(" warm-up\n\n");
        md.append("| round trip | client | p50 | p99 | max | per s, one at a time | p50 / raw Paho | first ").append(early)
                .append(" of the warm-up: p50 (/ raw Paho) |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        // in the order of ShadowRoundTrips.Result#early; raw Paho last, the baseline of the ratios
        String[] clients = {"ShadowService (`updateAndWait`)", "the same loop on IoTConnection", "raw Paho"};
        long[][] measured = {shadow.shadowService(), shadow.connection(), shadow.rawPaho()};
        int raw = clients.length - 1;
        double rawP50 = percentile(measured[raw], 50);
        double rawEarlyP50 = early == 0 ? Double.NaN : percentile(shadow.early()[raw], 50);
        for (int k = 0; k < clients.length; k++) {
            String earlyCell = "–";
            if (early > 0) {
                double earlyP50 = percentile(shadow.early()[k], 50);
                earlyCell = String.format("%.2f ms", earlyP50 / 1e6)
                        + (k == raw ? "" : String.format(" (%.2f)", earlyP50 / rawEarlyP50));
            }
            row(md, "shadow update", clients[k], measured[k],
                    k == raw ? "–" : String.format("%.2f", percentile(measured[k], 50) / rawP50), earlyCell);
        }
        row(md, "job, creation to SUCCEEDED", "JobsService, no-op handler", jobs, "–", "–");
        String section = md.toString();
        System.out.println(section);
        ResultBlock.write(results, "roundtrip", "## Shadow and jobs round trips on the emulator\n\n"
                + "Written by `mvn -B -pl bench -am -Pbench-emulator verify -DskipTests` (program `RoundTripBenchmark`, "
                + "after `EmulatorBenchmark`; see [README.md](README.md)); newest run first, the last " + KEEP
                + " kept.\n\n", "### Round-trip run of ", section, KEEP);
        System.exit(0);
    }

    private static Connections.Standalone connect(Emulator emulator, String id) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("connection.id", id);
        cfg.put("client.id", id);
        cfg.put("transport", "tcp");
        cfg.put("endpoint", emulator.host());
        cfg.put("port", emulator.mqttPort());
        cfg.put("queue.drain.frequency", 0.0);
        cfg.put("metrics.enabled", false);
        return IoTConnectionPublisher.openConnected(cfg);
    }

    private static void row(StringBuilder md, String what, String client, long[] nanos, String ratio, String early) {
        double seconds = Arrays.stream(nanos).sum() / 1e9;
        md.append("| ").append(what).append(" | ").append(client).append(" | ")
                .append(String.format("%.2f ms", percentile(nanos, 50) / 1e6)).append(" | ")
                .append(String.format("%.2f ms", percentile(nanos, 99) / 1e6)).append(" | ")
                .append(String.format("%.2f ms", Arrays.stream(nanos).max().orElse(0) / 1e6)).append(" | ")
                .append(String.format("%.0f", nanos.length / seconds)).append(" | ").append(ratio).append(" | ").append(early)
                .append(" |\n");
    }

    private static double percentile(long[] nanos, double p) {
        return LatencyBenchmark.percentile(Arrays.stream(nanos).asDoubleStream().sorted().toArray(), p);
    }
}
