package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.testsupport.MoquetteBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishes accepted into the disk queue survive a SIGKILL of the gateway process and are
 * delivered, in order, by the next process that opens the queue.
 */
class DiskQueueKillTest {

    @TempDir
    Path dir;

    @Test
    void acceptedPublishesSurviveKillDashNine() throws Exception {
        MoquetteBroker broker = MoquetteBroker.launch();
        int port = broker.port();
        broker.stop(); // the child publishes while the broker is down: everything goes to the disk queue
        Path queueDir = Files.createDirectories(dir.resolve("queue"));
        Path accepted = dir.resolve("accepted.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                DiskQueueChild.class.getName(), Integer.toString(port), queueDir.toString(), accepted.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            Conditions.await("the child accepting 2,000 publishes", Duration.ofSeconds(60),
                    () -> Files.exists(accepted) && lines(accepted).size() >= 2000, () -> log());
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            child.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> reported = lines(accepted);
        int acceptedCount = reported.size();
        assertTrue(acceptedCount >= 2000);

        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", "killed");
        cfg.put("transport", "tcp");
        cfg.put("endpoint", "127.0.0.1");
        cfg.put("port", port);
        cfg.put("client.id", "kill-parent");
        cfg.put("queue.storage", "disk");
        cfg.put("queue.directory", queueDir.toString());
        cfg.put("queue.size", -1);
        cfg.put("queue.drain.frequency", 0.0);
        cfg.put("reconnect.backoff.base.ms", 100L);
        cfg.put("reconnect.backoff.max.ms", 200L);
        try (Connections.Standalone c = Connections.open(cfg)) {
            assertTrue(c.queuedMessages() >= acceptedCount,
                    "recovered " + c.queuedMessages() + " queued publishes, the child reported " + acceptedCount + " accepted");
            Collector collector = new Collector();
            c.subscribe("killed/stream", QoS.AT_LEAST_ONCE, collector); // restored before the queue drains
            broker.start();
            Conditions.await("connected", Duration.ofSeconds(15), () -> c.state() == ConnectionState.CONNECTED);
            Conditions.await("the queue drained", Duration.ofSeconds(60), () -> c.queuedMessages() == 0,
                    () -> "(" + c.queuedMessages() + " left)");
            Conditions.await("every accepted message received", Duration.ofSeconds(30),
                    () -> collector.messages.size() >= acceptedCount);
            List<Integer> received = new ArrayList<>();
            for (IoTMessage m : collector.messages) {
                received.add(Integer.parseInt(m.payloadAsString()));
            }
            // in order, starting at 0, no gap; the child may have appended one or two more than it reported
            for (int i = 0; i < acceptedCount; i++) {
                assertEquals(i, received.get(i), "message at position " + i);
            }
        } finally {
            broker.close();
        }
    }

    private static List<String> lines(Path file) {
        try {
            List<String> all = Files.readAllLines(file);
            // the last line may be cut by the kill
            if (!all.isEmpty() && !Files.readString(file).endsWith("\n")) {
                all.remove(all.size() - 1);
            }
            return all;
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
