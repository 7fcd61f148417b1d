package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Ten clients updating one shadow at the same time end with a consistent version history. */
class ShadowConcurrencyTest extends EmulatorTestBase {
    private static final int CLIENTS = 10;
    private static final int WINDOW = 10;

    @Test
    void concurrentUpdatesGetUniqueContiguousVersionsAndNoneIsLost() throws Exception {
        String thing = unique("busy");
        String prefix = "$aws/things/" + thing + "/shadow";
        int perClient = 20;
        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(client(prefix + "/update/accepted", prefix + "/update/rejected"));
        }
        ConcurrentLinkedQueue<Long> versions = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                TestClient c = clients.get(i);
                done.add(pool.submit(() -> {
                    // pipelined in batches of 10: the service allows 10 requests in flight per thing and connection
                    for (int batch = 0; batch < perClient; batch += WINDOW) {
                        for (int k = batch; k < batch + WINDOW; k++) {
                            c.publish(prefix + "/update", "{\"state\":{\"reported\":{\"c" + id + "\":" + k
                                    + ",\"last\":\"c" + id + "-" + k + "\"}},\"clientToken\":\"c" + id + "-" + k + "\"}");
                        }
                        for (int k = batch; k < batch + WINDOW; k++) {
                            JsonNode acc = c.awaitToken(prefix + "/update/accepted", "c" + id + "-" + k);
                            versions.add(acc.get("version").asLong());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int total = CLIENTS * perClient;
        Set<Long> unique = new TreeSet<>(versions);
        assertEquals(total, versions.size());
        assertEquals(total, unique.size(), "every accepted version is unique");
        assertEquals(1L, ((TreeSet<Long>) unique).first());
        assertEquals((long) total, ((TreeSet<Long>) unique).last(), "no gaps: 1.." + total);

        JsonNode doc = json(emulator.shadow(thing, null).orElseThrow());
        assertEquals(total, doc.get("version").asInt());
        for (int i = 0; i < CLIENTS; i++) {
            // each client's updates were applied in its own order: its last value survives
            assertEquals(perClient - 1, doc.at("/state/reported/c" + i).asInt(), doc.toString());
        }
    }

    @Test
    void optimisticIncrementsWithVersionsLoseNothing() throws Exception {
        String thing = unique("counter");
        String prefix = "$aws/things/" + thing + "/shadow";
        emulator.setReported(thing, null, "{\"counter\":0}");
        int increments = 3;
        List<TestClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(client(prefix + "/get/accepted", prefix + "/update/accepted", prefix + "/update/rejected"));
        }
        ConcurrentLinkedQueue<Long> versions = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> conflicts = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                TestClient c = clients.get(i);
                done.add(pool.submit(() -> {
                    int ok = 0;
                    int attempt = 0;
                    while (ok < increments) {
                        String t = "o" + id + "-" + attempt++;
                        c.publish(prefix + "/get", "{\"clientToken\":\"" + t + "g\"}");
                        JsonNode doc = c.awaitToken(prefix + "/get/accepted", t + "g");
                        long version = doc.get("version").asLong();
                        int counter = doc.at("/state/reported/counter").asInt();
                        c.publish(prefix + "/update", "{\"state\":{\"reported\":{\"counter\":" + (counter + 1)
                                + "}},\"version\":" + version + ",\"clientToken\":\"" + t + "u\"}");
                        JsonNode reply = awaitEither(c, prefix, t + "u");
                        if (reply.has("code")) {
                            assertEquals(409, reply.get("code").asInt());
                            conflicts.add(1);
                        } else {
                            versions.add(reply.get("version").asLong());
                            ok++;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(90, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(CLIENTS * increments, versions.size());
        assertEquals(CLIENTS * increments, new TreeSet<>(versions).size(), "every accepted version is unique");
        JsonNode doc = json(emulator.shadow(thing, null).orElseThrow());
        assertEquals(CLIENTS * increments, doc.at("/state/reported/counter").asInt(), "no lost increment");
        assertEquals(1 + CLIENTS * increments, doc.get("version").asInt());
    }

    /** The accepted or the rejected reply carrying the token, whichever comes. */
    private static JsonNode awaitEither(TestClient c, String prefix, String token) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (TestClient.Received r : c.drain(prefix + "/update/accepted")) {
                if (token.equals(r.json().path("clientToken").asText())) {
                    return r.json();
                }
            }
            for (TestClient.Received r : c.drain(prefix + "/update/rejected")) {
                if (token.equals(r.json().path("clientToken").asText())) {
                    return r.json();
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no reply for " + token);
    }

    /**
     * A client keeping exactly 10 requests in flight, sending the next one the moment a reply arrives (as
     * the shadow bundle does), is never throttled: the emulator counts a request as answered before it
     * publishes the first reply.
     */
    @Test
    void aClientKeepingTenRequestsInFlightIsNeverThrottled() throws Exception {
        String thing = unique("window");
        String prefix = "$aws/things/" + thing + "/shadow";
        int total = 400;
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        ConcurrentLinkedQueue<String> rejected = new ConcurrentLinkedQueue<>();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        org.eclipse.paho.client.mqttv3.MqttAsyncClient c = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(
                emulator.mqttUrl(), unique("window-client"), new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        try {
            org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
            o.setMaxInflight(100);
            c.connect(o).waitForCompletion(10_000);
            Runnable sendNext = () -> {
                int n = sent.incrementAndGet();
                if (n > total) {
                    return;
                }
                try {
                    c.publish(prefix + "/update", ("{\"state\":{\"reported\":{\"n\":" + n + "}},\"clientToken\":\"w-" + n
                            + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
                } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                    rejected.add("publish failed: " + e);
                    done.countDown();
                }
            };
            c.subscribe(new String[] {prefix + "/update/accepted", prefix + "/update/rejected"}, new int[] {1, 1},
                    new org.eclipse.paho.client.mqttv3.IMqttMessageListener[] {
                        (topic, m) -> {
                            if (accepted.incrementAndGet() == total) {
                                done.countDown();
                            }
                            sendNext.run();
                        },
                        (topic, m) -> {
                            rejected.add(new String(m.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
                            sendNext.run();
                        }}).waitForCompletion(10_000);
            for (int i = 0; i < EmulatorCoreLimit.MAX_IN_FLIGHT; i++) {
                sendNext.run();
            }
            done.await(60, TimeUnit.SECONDS);
            assertEquals(List.of(), List.copyOf(rejected));
            assertEquals(total, accepted.get());
        } finally {
            c.disconnectForcibly(1000, 1000);
            c.close();
        }
    }

    /** The service's limit, as the test sees it. */
    private static final class EmulatorCoreLimit {
        static final int MAX_IN_FLIGHT = 10;
    }
}
