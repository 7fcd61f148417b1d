package org.iotgateway.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * End-to-end latency at a fixed publish rate: a publisher sends at {@code rate} msgs/s for a fixed
 * time, a raw Paho subscriber on the same broker and in the same JVM takes the arrival time. The
 * latency of message i is its arrival minus its <em>scheduled</em> send time, so a publisher that
 * falls behind shows up in the numbers instead of hiding (no coordinated omission).
 */
final class LatencyBenchmark {

    /** Latency percentiles of one run, in microseconds. */
    /** @param windowFull publish attempts raw Paho refused because its in-flight window was full (then retried) */
    record Result(String client, String transport, int qos, int payloadBytes, int rate, int sent, int received,
            double p50, double p99, double max, int windowFull) {
    }

    /** Refusals of the current run (the benchmark's main thread only). */
    private static int windowFull;

    private LatencyBenchmark() {
    }

    static Result measure(Publisher publisher, String subscriberUri, javax.net.SocketFactory socketFactory,
            String transport, int qos, int payloadBytes, int rate, int seconds) throws Exception {
        String topic = "latency/" + publisher.label().replace(' ', '-') + "/" + transport + "/qos" + qos;
        int total = rate * seconds;
        long[] arrival = new long[total];
        long[] scheduled = new long[total];
        CountDownLatch all = new CountDownLatch(total);
        MqttAsyncClient sub = new MqttAsyncClient(subscriberUri, "latency-sub-" + System.nanoTime(), new MemoryPersistence());
        sub.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String t, MqttMessage m) {
                long now = System.nanoTime();
                int i = ByteBuffer.wrap(m.getPayload()).getInt();
                if (i >= 0 && i < total && arrival[i] == 0) {
                    arrival[i] = now;
                    all.countDown();
                }
            }

            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setMaxInflight(1000);
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
        }
        sub.connect(o).waitForCompletion(15_000);
        sub.subscribe(topic, qos).waitForCompletion(15_000);
        try {
            Publisher.Completion ignore = new Publisher.Completion() {
                @Override
                public void done() {
                }

                @Override
                public void failed(Throwable cause) {
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
                        publisher.publish(topic, payload, qos, ignore);
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
            all.await(30, TimeUnit.SECONDS);
        } finally {
            sub.disconnectForcibly(100, 1000);
            sub.close(true);
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

    static String table(List<Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| transport | QoS | payload | client | p50 | p99 | max | received | p50 ratio to raw Paho |\n");
        md.append("|---|---:|---:|---|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            Result raw = results.stream().filter(x -> x.client().equals("raw Paho") && x.transport().equals(r.transport())
                    && x.qos() == r.qos() && x.payloadBytes() == r.payloadBytes()).findFirst().orElse(null);
            md.append("| ").append(r.transport().toUpperCase()).append(" | ").append(r.qos()).append(" | ")
                    .append(r.payloadBytes()).append(" B | ").append(r.client()).append(" | ")
                    .append(ms(r.p50())).append(" | ").append(ms(r.p99())).append(" | ").append(ms(r.max())).append(" | ")
                    .append(r.received()).append(" / ").append(r.sent())
                    .append(r.windowFull() > 0 ? " (window full " + r.windowFull() + "×, waited)" : "").append(" | ")
                    .append(raw == null || raw == r ? "–" : String.format("%.2f", r.p50() / raw.p50())).append(" |\n");
        }
        return md.toString();
    }

    private static String ms(double micros) {
        return Double.isNaN(micros) ? "–" : String.format("%.2f ms", micros / 1e3);
    }

    static String describe(int rate, int seconds) {
        return "Each client publishes " + rate + " msgs/s for " + seconds + " s (" + rate * seconds
                + " messages); a raw Paho subscriber in the same JVM timestamps arrivals; latency = "
                + "arrival − scheduled send time (a publisher falling behind counts against it).";
    }
}
