package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.QoS;
import org.iotgateway.api.QueueStorageException;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.FaultySpools;
import org.iotgateway.testsupport.LogCapture;
import org.iotgateway.testsupport.MoquetteBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk under the offline queue fills up while the broker is away: publishes are refused with
 * a typed exception naming the connection, the topic and the cause, nothing accepted before is
 * lost, and publishing works again once space returns.
 */
class DiskFullTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aFullDiskRefusesPublishesWithATypedErrorAndLosesNothingAccepted() throws Exception {
        MoquetteBroker broker = MoquetteBroker.launch();
        FaultySpools.DiskFull disk = new FaultySpools.DiskFull();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", "plant");
        cfg.put("transport", "tcp");
        cfg.put("endpoint", "127.0.0.1");
        cfg.put("port", broker.port());
        cfg.put("client.id", "disk-full");
        cfg.put("reconnect.backoff.base.ms", 50L);
        cfg.put("reconnect.backoff.max.ms", 200L);
        cfg.put("queue.drain.frequency", 0.0);
        MqttConnection c = new MqttConnection(ConnectionSettings.from(ConfigProxy.connection(cfg)), null,
                FaultySpools.open(dir, disk), "test");
        try (LogCapture log = new LogCapture()) {
            c.start();
            Conditions.await("connected", WAIT, () -> c.state() == ConnectionState.CONNECTED);
            Collector collector = new Collector();
            c.subscribeAndWait("line/#", QoS.AT_LEAST_ONCE, collector);

            broker.stop();
            Conditions.await("disconnected", WAIT, () -> c.state() != ConnectionState.CONNECTED);
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                accepted.add(c.publish("line/before", Integer.toString(i).getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture());
            }
            assertEquals(50, c.queuedMessages());

            disk.fill();
            CompletableFuture<Void> refused = c.publish("line/full", "lost?".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture();
            ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(10, TimeUnit.SECONDS));
            QueueStorageException q = assertInstanceOf(QueueStorageException.class, e.getCause());
            assertTrue(q.getMessage().contains("'plant'") && q.getMessage().contains("'line/full'")
                    && q.getMessage().contains("No space left on device"), "the error names connection, topic and cause: " + q.getMessage());
            assertThrows(QueueStorageException.class, () -> c.publishAndWait("line/full", "again".getBytes(UTF_8), QoS.AT_LEAST_ONCE));
            assertEquals(50, c.queuedMessages(), "a refused publish must not be counted as queued");
            assertTrue(log.text().contains("could not store a publish to 'line/full'"), "the refusal is logged");

            disk.free();
            CompletableFuture<Void> after = c.publish("line/after", "back".getBytes(UTF_8), QoS.AT_LEAST_ONCE).toCompletableFuture();
            assertEquals(51, c.queuedMessages());
            broker.start();
            Conditions.await("reconnected", WAIT, () -> c.state() == ConnectionState.CONNECTED);
            for (CompletableFuture<Void> f : accepted) {
                f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            after.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<String> payloads = collector.texts(51, WAIT);
            for (int i = 0; i < 50; i++) {
                assertEquals(Integer.toString(i), payloads.get(i), "accepted message " + i);
            }
            assertEquals("back", payloads.get(50));
            assertTrue(collector.messages.stream().noneMatch(m -> m.topic().equals("line/full")), "a refused publish was sent anyway");
        } finally {
            c.close();
            broker.close();
        }
    }
}
