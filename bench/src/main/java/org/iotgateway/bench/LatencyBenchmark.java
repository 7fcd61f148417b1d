package org.iotgateway.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * End-to-end latency at a fixed publish rate: a publisher sends at {@code rate} msgs/s for a fixed
 * time, a {@link LatencySubscriber} on the same broker and in the same JVM takes the arrival time. A run
 * ends only when every publish completed and every message arrived, so nothing of it trails into the next. The
 * latency of message i is its arrival minus its <em>scheduled</em> send time, so a publisher that
 * falls behind shows up in the numbers instead of hiding (no coordinated omission).
 */
final class LatencyBenchmark {

    /** Latency percentiles of one run, in microseconds. */
    /** @param windowFull publish attempts raw Paho refused because its in-flight window was full (then retried) */
    record Result(String client, String transport, int qos, int payloadBytes, int rate, int sent, int received,
            double p50, double p99, double max, int windowFull) {
    }

    /** How long the publishes and arrivals of a run may trail its last publish call. */
    static final int DRAIN_SECONDS = 60;

    /** Refusals of the current run (the benchmark's main thread only). */
    private static int windowFull;

    private LatencyBenchmark() {
    }

    static Result measure(Publisher publisher, javax.net.SocketFactory socketFactory, String host, int port,
            String transport, int qos, int payloadBytes, int rate, int seconds) throws Exception {
        String topic = "latency/" + publisher.label().replace(' ', '-') + "/" + transport + "/qos" + qos;
        int total = rate * seconds;
        long[] arrival = new long[total];
        long[] scheduled = new long[total];
        CountDownLatch all = new CountDownLatch(total);
        CountDownLatch completions = new CountDownLatch(total);
        AtomicInteger failed = new AtomicInteger();
        try (LatencySubscriber sub = new LatencySubscriber(socketFactory, host, port, "latency-sub-" + System.nanoTime(),
                topic, qos, i -> {
                    long now = System.nanoTime();
                    if (i >= 0 && i < total && arrival[i] == 0) {
                        arrival[i] = now;
                        all.countDown();
                    }
                })) {
            Publisher.Completion completion = new Publisher.Completion() {
                @Override
                public void done() {
                    completions.countDown();
                }

                @Override
                public void failed(Throwable cause) {
                    failed.incrementAndGet();
                    completions.countDown();
                }
            };
            long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            windowFull = 0;
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            for (int i = 0; i < total; i++) {
                long due = start + i * periodNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                scheduled[i] = due;
                byte[] payload = new byte[Math.max(4, payloadBytes)];
                ByteBuffer.wrap(payload).putInt(i);
                while (true) {
                    try {
                        publisher.publish(topic, payload, qos, completion);
                        break;
                    } catch (MqttException e) {
                        if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                            throw e;
                        }
                        // raw Paho refuses beyond its window: wait for a slot as an application must; the wait counts
                        // as latency (measured from the scheduled time)
                        windowFull++;
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                    }
                }
            }
            // nothing of this run may still be on its way when the next one starts
            boolean completed = completions.await(DRAIN_SECONDS, TimeUnit.SECONDS);
            boolean received = all.await(completed ? DRAIN_SECONDS : 1, TimeUnit.SECONDS);
            if (!completed || !received || failed.get() > 0 || sub.failure() != null) {
                throw new IllegalStateException(publisher.label() + " " + transport + " QoS " + qos + " " + payloadBytes
                        + " B: " + (total - completions.getCount()) + " of " + total + " publishes completed ("
                        + failed.get() + " failed), " + (total - all.getCount()) + " received within " + DRAIN_SECONDS
                        + " s after the last publish" + (sub.failure() == null ? "" : "; subscriber: " + sub.failure()));
            }
        }
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (arrival[i] != 0) {
                latencies.add((arrival[i] - scheduled[i]) / 1e3);
            }
        }
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Result(publisher.label(), transport, qos, payloadBytes, rate, total, sorted.length,
                percentile(sorted, 50), percentile(sorted, 99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                windowFull);
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /**
     * One row per client and cell: p50 and p99 as median [min–max] over the repeats, the largest single
     * latency, messages received of sent over all repeats; the ratio is median IoTConnection p50 / median
     * raw Paho p50, with the range of the per-repeat ratios (runs of one repeat ran back to back).
     */
    static String table(List<Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| transport | QoS | payload | client | runs | p50 | p99 | max | received | p50 ratio to raw Paho | "
                + "p50 difference |\n");
        md.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Result>> rows = new LinkedHashMap<>();
        for (Result r : results) {
            rows.computeIfAbsent(r.client() + "|" + r.transport() + "|" + r.qos() + "|" + r.payloadBytes(),
                    k -> new ArrayList<>()).add(r);
        }
        for (List<Result> runs : rows.values()) {
            Result first = runs.get(0);
            List<Result> raw = rows.getOrDefault("raw Paho|" + first.transport() + "|" + first.qos() + "|"
                    + first.payloadBytes(), List.of());
            Stats p50 = Stats.of(runs.stream().map(Result::p50).toList());
            Stats p99 = Stats.of(runs.stream().map(Result::p99).toList());
            double max = runs.stream().mapToDouble(Result::max).max().orElse(Double.NaN);
            int received = runs.stream().mapToInt(Result::received).sum();
            int sent = runs.stream().mapToInt(Result::sent).sum();
            int windowFull = runs.stream().mapToInt(Result::windowFull).sum();
            String ratio = "–";
            String difference = "–";
            if (!raw.isEmpty() && raw != runs) {
                Stats rawP50 = Stats.of(raw.stream().map(Result::p50).toList());
                List<Double> perRepeat = new ArrayList<>();
                for (int i = 0; i < Math.min(raw.size(), runs.size()); i++) {
                    perRepeat.add(runs.get(i).p50() / raw.get(i).p50());
                }
                Stats paired = Stats.of(perRepeat);
                ratio = String.format("%.2f", p50.median() / rawP50.median())
                        + (paired.n() > 1 ? String.format(" [%.2f–%.2f]", paired.min(), paired.max()) : "");
                difference = String.format("%+.0f µs", p50.median() - rawP50.median());
            }
            md.append("| ").append(first.transport().toUpperCase()).append(" | ").append(first.qos()).append(" | ")
                    .append(first.payloadBytes()).append(" B | ").append(first.client()).append(" | ")
                    .append(runs.size()).append(" | ").append(range(p50)).append(" | ").append(range(p99)).append(" | ")
                    .append(ms(max)).append(" | ").append(received).append(" / ").append(sent)
                    .append(windowFull > 0 ? " (window full " + windowFull + "×, waited)" : "").append(" | ")
                    .append(ratio).append(" | ").append(difference).append(" |\n");
        }
        return md.toString();
    }

    private static String range(Stats s) {
        return s.n() == 1 ? ms(s.median()) : ms(s.median()) + " [" + String.format("%.2f–%.2f", s.min() / 1e3, s.max() / 1e3)
                + "]";
    }

    private static String ms(double micros) {
        return Double.isNaN(micros) ? "–" : String.format("%.2f ms", micros / 1e3);
    }

    static String describe(int rate, int seconds, int repeats) {
        return "Each client publishes " + rate + " msgs/s for " + seconds + " s (" + rate * seconds
                + " messages), " + repeats + " times per cell, raw Paho and IoTConnection taking turns (who goes first "
                + "alternates), after an unrecorded warm-up run of each; a minimal MQTT subscriber in the same JVM (one socket, one reading thread, buffered; "
                + "not Paho, whose 1.2.5 decoder reads a received 16 KB message one byte at a time and could not keep up) "
                + "timestamps arrivals; latency = arrival − scheduled send time (a publisher falling behind counts "
                + "against it). A run ends when every publish completed and every message arrived, before the next starts.";
    }
}
