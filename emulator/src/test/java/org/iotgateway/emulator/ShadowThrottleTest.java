package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Device Shadow service allows 10 in-flight requests per thing on one connection and rejects more
 * with 429. The emulator's simulated service latency keeps requests in flight long enough to reach the
 * limit deterministically.
 */
class ShadowThrottleTest {
    private static final Duration LATENCY = Duration.ofMillis(3000);
    private static Emulator emulator;
    private final List<TestClient> clients = new java.util.ArrayList<>();

    @BeforeAll
    static void start() {
        emulator = Emulator.builder().certificateDirectory(EmulatorTestBase.CERTS).requestLatency(LATENCY).build().start();
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    @AfterEach
    void close() {
        clients.forEach(TestClient::close);
    }

    private TestClient client(String... filters) {
        TestClient c = TestClient.connect(emulator, EmulatorTestBase.unique("throttle-client"));
        clients.add(c);
        return c.subscribe(filters);
    }

    private static String report(int n, String token) {
        return "{\"state\":{\"reported\":{\"n\":" + n + "}},\"clientToken\":\"" + token + "\"}";
    }

    @Test
    void theEleventhRequestInFlightOnOneConnectionGets429AndTheLimitIsPerThingAndConnection() {
        String thing = EmulatorTestBase.unique("throttled");
        String other = EmulatorTestBase.unique("unthrottled");
        String prefix = "$aws/things/" + thing + "/shadow";
        String otherPrefix = "$aws/things/" + other + "/shadow";
        TestClient a = client(prefix + "/+/accepted", prefix + "/+/rejected", otherPrefix + "/update/accepted",
                prefix + "/name/cfg/get/rejected");
        TestClient b = client(prefix + "/update/accepted");

        // 15 requests of one connection for one thing, sent well within the latency: 10 in flight, 5 rejected
        long sent = System.nanoTime();
        for (int i = 0; i < 14; i++) {
            a.publish(prefix + "/update", report(i, "a-" + i));
        }
        a.publish(prefix + "/name/cfg/get", "{\"clientToken\":\"a-named\"}"); // a named shadow of the same thing counts
        // neither another thing on the same connection nor the same thing on another connection is throttled
        a.publish(otherPrefix + "/update", report(1, "a-other"));
        b.publish(prefix + "/update", report(100, "b-0"));
        assertTrue(System.nanoTime() - sent < LATENCY.toNanos(), "the test sent too slowly to fill the window");

        for (int i = 10; i < 14; i++) {
            JsonNode rejected = a.awaitToken(prefix + "/update/rejected", "a-" + i);
            assertEquals(429, rejected.get("code").asInt());
            assertEquals("Too Many Requests", rejected.get("message").asText());
            assertTrue(rejected.get("timestamp").isNumber());
        }
        JsonNode namedRejected = a.awaitToken(prefix + "/name/cfg/get/rejected", "a-named");
        assertEquals(429, namedRejected.get("code").asInt());

        Set<Long> versions = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            versions.add(a.awaitToken(prefix + "/update/accepted", "a-" + i).get("version").asLong());
        }
        versions.add(b.awaitToken(prefix + "/update/accepted", "b-0").get("version").asLong());
        assertEquals(Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), versions);
        assertEquals(1, a.awaitToken(otherPrefix + "/update/accepted", "a-other").get("version").asLong());
        a.expectNothing(prefix + "/update/rejected", Duration.ofMillis(200));

        // once answered, the requests no longer count: the connection may send 10 again
        for (int i = 20; i < 30; i++) {
            a.publish(prefix + "/update", report(i, "a-" + i));
        }
        for (int i = 20; i < 30; i++) {
            a.awaitToken(prefix + "/update/accepted", "a-" + i);
        }
        a.expectNothing(prefix + "/update/rejected", Duration.ofMillis(200));
        assertEquals(21, EmulatorTestBase.json(emulator.shadow(thing).orElseThrow()).get("version").asLong());
    }

    @Test
    void theLatencyDelaysRepliesButKeepsTheirOrder() {
        String thing = EmulatorTestBase.unique("slow");
        String prefix = "$aws/things/" + thing + "/shadow";
        TestClient a = client(prefix + "/update/accepted");
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            a.publish(prefix + "/update", report(i, "s-" + i));
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, a.awaitToken(prefix + "/update/accepted", "s-" + i).get("version").asLong());
        }
        assertTrue(System.nanoTime() - t0 >= LATENCY.toNanos(), "replies came before the latency");
    }
}
