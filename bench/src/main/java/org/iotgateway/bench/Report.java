package org.iotgateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes {@code RESULTS.md}: a fixed header, then the runs, newest first (the last {@value #KEEP_RUNS} kept). */
final class Report {

    static final double TARGET = 0.9;
    static final int KEEP_RUNS = 10;
    private static final String MARKER = "<!-- run -->";

    private Report() {
    }

    static String section(PublishBenchmark.Config c, Instant started, Instant finished, String loadBefore,
            String loadAfter, String mosquittoVersion, List<PublishBenchmark.Cell> cells, List<IdleHeap.Result> idle) {
        StringBuilder md = new StringBuilder();
        md.append("## Run of ").append(PublishBenchmark.utc(started)).append("\n\n");
        md.append("- **Machine:** ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(Machine.cpuModel()).append(", ").append(Machine.memory()).append(" RAM, ").append(Machine.os())
                .append('\n');
        md.append("- **JDK:** ").append(Machine.jdk()).append("; JVM options `").append(Machine.jvmOptions())
                .append("`\n");
        md.append("- **Broker:** ").append(mosquittoVersion)
                .append(", one process on 127.0.0.1 for every client of the run, `set_tcp_nodelay true`; no "
                        + "subscribers except the latency runs' own (TLS listener: client certificate required)\n");
        md.append("- **Clients:** Paho `org.eclipse.paho.client.mqttv3` ").append(c.pahoVersion())
                .append(" (raw, and underneath IoTConnection); IoTConnection from ")
                .append(Machine.jarOf(org.iotgateway.mqtt.internal.Connections.class))
                .append("; MQTT 3.1.1, clean session, in-memory persistence; both clients on the same sockets "
                        + "(TCP_NODELAY, IoTConnection's default; TLS 1.2/1.3 with hostname verification)\n");
        md.append("- **Load average** (1/5/15 min) before: ").append(loadBefore).append(", after: ").append(loadAfter)
                .append("; duration ").append(minutes(Duration.between(started, finished))).append('\n');
        md.append("- **Parameters:** payloads ").append(c.payloads()).append(" B (over 1 KiB: a fifth of the messages per batch), not retained; per cell a warm-up of ")
                .append(String.format("%,d", c.warmup())).append(" messages per variant, then ").append(c.rounds())
                .append(" rounds of ").append(String.format("%,d", c.messagesQos0())).append(" (QoS 0) / ")
                .append(String.format("%,d", c.messagesQos1()))
                .append(" (QoS 1) messages per variant, variant order rotated every round; timed from the first "
                        + "publish call to the last completion (QoS 1: PUBACK, QoS 0: written to the socket)\n\n");

        md.append("### Publish throughput\n\n");
        md.append("msgs/s as median [min–max] over the rounds. *window* W: raw Paho with `maxInflight=W` and IoTConnection "
                + "with `max.inflight=W`, both driven with at most W publishes outstanding (semaphore released by the "
                + "completion callback). *ratio*: IoTConnection / raw Paho per round (the batches of a round run within "
                + "seconds of each other), median [min–max] over the rounds; the ≥ " + TARGET + "× verdict is taken on "
                + "this median. *IoTConnection*: the callback chained with `whenComplete`, so it runs on the "
                + "connection's dispatcher thread (the default, which keeps app code off Paho's threads and costs a "
                + "thread wake-up per completion). *callback on completing thread*: the same connection, the callback "
                + "chained with `whenCompleteAsync(callback, Runnable::run)` (the documented opt-out for non-blocking "
                + "callbacks), so it runs on Paho's callback thread, where raw Paho runs its `IMqttActionListener`: "
                + "the like-for-like comparison of the two clients. *no app window*: all messages of a round handed "
                + "to IoTConnection at once, its own queue and window (W) pacing them.\n\n");
        md.append("| transport | QoS | payload | window | raw Paho msgs/s | IoTConnection msgs/s | ratio | ≥ ").append(TARGET)
                .append("× | callback on completing thread, msgs/s | ratio | ≥ ").append(TARGET)
                .append("× | no app window, msgs/s | ratio |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|:---:|---:|---:|:---:|---:|---:|\n");
        List<String> failures = new ArrayList<>();
        for (PublishBenchmark.Cell cell : cells) {
            md.append("| ").append(cell.transport().toUpperCase()).append(" | ").append(cell.qos()).append(" | ")
                    .append(cell.payloadBytes()).append(" B | ").append(cell.window()).append(" | ")
                    .append(Stats.of(cell.raw()).format("%,.0f")).append(" | ")
                    .append(versusRaw(cell.raw(), cell.ours(), true)).append(" | ")
                    .append(versusRaw(cell.raw(), cell.oursInline(), true)).append(" | ")
                    .append(versusRaw(cell.raw(), cell.oursNoWindow(), false)).append(" |\n");
            if (cell.failures() > 0) {
                failures.add(cell.transport() + " QoS " + cell.qos() + " " + cell.payloadBytes() + " B W " + cell.window() + ": "
                        + cell.failureNote());
            }
        }
        md.append('\n');
        if (failures.isEmpty()) {
            md.append("Every publish of every batch completed successfully.\n\n");
        } else {
            md.append("**Failed publishes:** ").append(String.join(" ", failures)).append("\n\n");
        }

        if (!cells.isEmpty() && !cells.get(0).cpuMicrosPerMessage().isEmpty()) {
            md.append("### Where the client's CPU goes\n\n");
            md.append("CPU time of the benchmark JVM per message in µs, by thread, and bytes allocated per message "
                    + "(medians over the rounds; `ThreadMXBean` thread CPU times and allocation counters, so much less "
                    + "disturbed by other load on the machine than msgs/s). *GC, JIT, VM*: process CPU minus the listed "
                    + "Java threads. The publisher thread also runs the benchmark's own loop and semaphore. "
                    + "*Context switches*: voluntary ones (a thread blocking to wait for another: park, wait, I/O), "
                    + "all threads of the JVM, from /proc/self/task/*/status.\n\n");
            md.append("| transport | QoS | payload | window | client |");
            for (String g : ThreadCpu.GROUPS) {
                md.append(' ').append(g).append(" |");
            }
            md.append(' ').append(ThreadCpu.JVM_INTERNAL)
                    .append(" | process | allocated B/msg | context switches/msg |\n|---|---:|---:|---:|---|");
            for (int i = 0; i < ThreadCpu.GROUPS.size() + 4; i++) {
                md.append("---:|");
            }
            md.append('\n');
            for (PublishBenchmark.Cell cell : cells) {
                for (Map.Entry<String, Map<String, Stats>> v : cell.cpuMicrosPerMessage().entrySet()) {
                    md.append("| ").append(cell.transport().toUpperCase()).append(" | ").append(cell.qos()).append(" | ")
                            .append(cell.payloadBytes()).append(" B | ").append(cell.window()).append(" | ").append(v.getKey()).append(" |");
                    for (String g : ThreadCpu.GROUPS) {
                        md.append(' ').append(micros(v.getValue().get(g))).append(" |");
                    }
                    md.append(' ').append(micros(v.getValue().get(ThreadCpu.JVM_INTERNAL))).append(" | **")
                            .append(micros(v.getValue().get(ThreadCpu.PROCESS))).append("** | ")
                            .append(String.format("%,.0f", v.getValue().get(ThreadCpu.ALLOCATED).median()))
                            .append(" | ").append(String.format("%.2f", v.getValue().get(ThreadCpu.SWITCHES).median()))
                            .append(" |\n");
                }
            }
            md.append('\n');
        }

        if (!idle.isEmpty()) {
            md.append("### Heap retained per idle connection\n\n");
            md.append(c.idleConnections()).append(" connected idle clients of one kind at a time (keep-alive 30 s, "
                    + "window 20; TLS: one SSLContext per client, as with per-device credentials): live heap after "
                    + "full GCs (what the collection left in the heap pools) with them open minus before opening them, divided by their number; median [min–max] "
                    + "over ").append(c.idleRepeats()).append(" repeats. Threads counted the same way.\n\n");
            md.append("| transport | client | heap per idle connection | threads per idle connection |\n");
            md.append("|---|---|---:|---:|\n");
            for (IdleHeap.Result r : idle) {
                Stats b = r.bytesPerConnection();
                md.append("| ").append(r.transport().toUpperCase()).append(" | ").append(r.client()).append(" | ")
                        .append(kib(b.median())).append(" [").append(kib(b.min())).append("–").append(kib(b.max()))
                        .append("] | ").append(r.threadsPerConnection().format("%.1f")).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /**
     * @return table cells for one IoTConnection variant: msgs/s, per-round ratio and, with {@code verdict}, whether
     *         the ratio's median meets the target; "n/a" when the variant did not run
     */
    private static String versusRaw(List<Double> raw, List<Double> ours, boolean verdict) {
        if (ours.isEmpty()) {
            return verdict ? "n/a | n/a | n/a" : "n/a | n/a";
        }
        Stats paired = paired(raw, ours);
        return Stats.of(ours).format("%,.0f") + " | " + ratio(paired)
                + (verdict ? " | " + (paired.median() >= TARGET ? "yes" : "**no**") : "");
    }

    /** @return the per-round ratios other / raw (batches of one round ran back to back) */
    static Stats paired(List<Double> raw, List<Double> other) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(raw.size(), other.size()); i++) {
            ratios.add(other.get(i) / raw.get(i));
        }
        return Stats.of(ratios);
    }

    private static String ratio(Stats p) {
        return String.format("%.2f [%.2f–%.2f]", p.median(), p.min(), p.max());
    }

    private static String micros(Stats s) {
        return s == null || s.n() == 0 ? "–" : String.format("%.1f", s.median());
    }

    private static String kib(double bytes) {
        return String.format("%.1f KiB", bytes / 1024);
    }

    private static String minutes(Duration d) {
        return String.format("%d min %02d s", d.toMinutes(), d.toSecondsPart());
    }

    /** Puts the section on top of the runs already in the file. */
    static void write(Path file, String section) throws IOException {
        List<String> older = new ArrayList<>();
        String preamble = null;
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.UTF_8);
            int first = existing.indexOf(MARKER);
            // sections written by hand or by other benchmarks above the runs stay as they are
            preamble = first >= 0 ? existing.substring(0, first) : null;
            if (first >= 0) {
                for (String run : existing.substring(first).split(MARKER)) {
                    if (!run.isBlank()) {
                        older.add(run.strip() + "\n");
                    }
                }
            }
        }
        StringBuilder md = new StringBuilder();
        if (preamble != null && preamble.startsWith("# Benchmark results")) {
            md.append(preamble);
        } else {
            md.append("# Benchmark results\n\n");
            md.append("Written by `mvn -B -pl bench -am -Pbench verify -DskipTests` (see [README.md](README.md) for the method); "
                    + "newest run first, the last ").append(KEEP_RUNS).append(" runs kept. Target: IoTConnection ≥ ")
                    .append(TARGET).append("× raw Paho in every cell. The machine is shared and has few cores: "
                            + "compare min–max ranges, not single numbers.\n\n");
        }
        md.append(MARKER).append('\n').append(section.strip()).append("\n\n");
        for (int i = 0; i < Math.min(older.size(), KEEP_RUNS - 1); i++) {
            md.append(MARKER).append('\n').append(older.get(i)).append('\n');
        }
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    }
}
