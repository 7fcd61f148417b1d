package org.iotgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Connections;
import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.Mosquitto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline disk queue: how fast publishes are accepted into it while the broker is away (per
 * durability setting), how long 100,000 queued messages take to drain at an unlimited rate once
 * the broker is back, and how closely a configured drain frequency is kept.
 */
final class QueueBenchmark {

    private static final Logger LOG = LoggerFactory.getLogger(QueueBenchmark.class);

    record Accept(String sync, int messages, double perSecond) {
    }

    record Drain(double configuredHz, int messages, double seconds) {
        double actualHz() {
            return messages / seconds;
        }
    }

    record Result(List<Accept> accepts, int unlimitedMessages, double unlimitedSeconds, List<Drain> drains) {
    }

    private QueueBenchmark() {
    }

    static Result run(Path dir, int messages, int fsyncMessages, List<Double> frequencies, byte[] payload) throws Exception {
        int port = FreePort.find(); // nothing listens yet: the broker is "away"
        List<Accept> accepts = new ArrayList<>();
        accepts.add(accept(dir.resolve("fsync"), port, "fsync", fsyncMessages, payload, null));
        try (Connections.Standalone c = open(dir.resolve("unlimited"), port, "write", 0)) {
            accepts.add(accept(null, port, "write", messages, payload, c));
            try (Mosquitto broker = Mosquitto.builder().port(port).start()) {
                long t0 = System.nanoTime();
                await(() -> c.state() == ConnectionState.CONNECTED, 60, "connected");
                long connected = System.nanoTime();
                await(() -> c.queuedMessages() == 0, 600, "drained");
                double seconds = (System.nanoTime() - connected) / 1e9;
                LOG.info("queue: {} messages drained in {} s (connected after {} ms)", messages, String.format("%.2f", seconds),
                        (connected - t0) / 1_000_000);
                List<Drain> drains = new ArrayList<>();
                for (double hz : frequencies) {
                    drains.add(drain(dir.resolve("drain-" + hz), broker, hz, payload));
                }
                return new Result(accepts, messages, seconds, drains);
            }
        }
    }

    private static Accept accept(Path queueDir, int port, String sync, int messages, byte[] payload, Connections.Standalone given)
            throws Exception {
        Connections.Standalone c = given != null ? given : open(queueDir, port, sync, 0);
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                c.publish("bench/queue", payload, QoS.AT_LEAST_ONCE);
            }
            double perSecond = messages / ((System.nanoTime() - t0) / 1e9);
            if (c.queuedMessages() < messages) {
                throw new IllegalStateException("only " + c.queuedMessages() + " of " + messages + " queued");
            }
            LOG.info("queue: {} publishes accepted into the disk queue ({}) at {} msgs/s", messages, sync, Math.round(perSecond));
            return new Accept(sync, messages, perSecond);
        } finally {
            if (given == null) {
                c.close();
            }
        }
    }

    private static Drain drain(Path queueDir, Mosquitto broker, double hz, byte[] payload) throws Exception {
        int messages = (int) Math.max(50, Math.min(2000, hz * 10));
        broker.stop();
        try (Connections.Standalone c = open(queueDir, broker.port(), "write", hz)) {
            List<CompletableFuture<Void>> stages = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                stages.add(c.publish("bench/drain", payload, QoS.AT_LEAST_ONCE).toCompletableFuture());
            }
            broker.start();
            await(() -> c.state() == ConnectionState.CONNECTED, 60, "connected");
            long connected = System.nanoTime();
            for (CompletableFuture<Void> f : stages) {
                f.get(600, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - connected) / 1e9;
            LOG.info("queue: drain at {} Hz: {} messages in {} s = {} msgs/s", hz, messages, String.format("%.2f", seconds),
                    String.format("%.1f", messages / seconds));
            return new Drain(hz, messages, seconds);
        }
    }

    private static Connections.Standalone open(Path queueDir, int port, String sync, double drainHz) throws Exception {
        Files.createDirectories(queueDir);
        Map<String, Object> p = new LinkedHashMap<>();
        String id = "bench-queue-" + queueDir.getFileName();
        p.put("connection.id", id);
        p.put("client.id", id);
        p.put("endpoint", "127.0.0.1");
        p.put("port", port);
        p.put("transport", "tcp");
        p.put("queue.storage", "disk");
        p.put("queue.directory", queueDir.toString());
        p.put("queue.disk.sync", sync);
        p.put("queue.size", -1);
        p.put("queue.drain.frequency", drainHz);
        p.put("reconnect.backoff.base.ms", 50L);
        p.put("reconnect.backoff.max.ms", 200L);
        p.put("metrics.enabled", false);
        return Connections.open(p);
    }

    private static void await(java.util.function.BooleanSupplier condition, int seconds, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("queue benchmark: not " + what + " within " + seconds + " s");
            }
            IoTConnectionPublisher.sleep(2);
        }
    }

    static String section(Result r, int payloadBytes) {
        StringBuilder md = new StringBuilder();
        md.append("### Offline disk queue\n\n");
        md.append("QoS 1, ").append(payloadBytes).append("-byte payloads, broker away while accepting (nothing listens on the port), "
                + "then a mosquitto started on that port.\n\n");
        md.append("| measurement | result |\n|---|---:|\n");
        for (Accept a : r.accepts()) {
            md.append("| publishes accepted into the disk queue, durability `").append(a.sync()).append("` (")
                    .append(a.messages()).append(" messages) | ").append(String.format("%,.0f msgs/s", a.perSecond())).append(" |\n");
        }
        md.append("| time to drain ").append(String.format("%,d", r.unlimitedMessages()))
                .append(" queued messages, unlimited rate, from CONNECTED | ").append(String.format("%.1f s (%,.0f msgs/s)",
                        r.unlimitedSeconds(), r.unlimitedMessages() / r.unlimitedSeconds())).append(" |\n");
        for (Drain d : r.drains()) {
            md.append("| drain at a configured ").append(fmt(d.configuredHz())).append(" Hz (").append(d.messages())
                    .append(" messages) | ").append(String.format("%.1f msgs/s = %.3f× configured", d.actualHz(),
                            d.actualHz() / d.configuredHz())).append(" |\n");
        }
        return md.append('\n').toString();
    }

    private static String fmt(double hz) {
        return hz == Math.rint(hz) ? Long.toString((long) hz) : Double.toString(hz);
    }
}
