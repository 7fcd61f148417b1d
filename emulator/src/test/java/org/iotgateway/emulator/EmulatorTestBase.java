package org.iotgateway.emulator;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One emulator per test class (ephemeral ports, a manual clock, certificates shared by all test
 * classes under target/ so they are generated once per build); unique thing names per test.
 */
abstract class EmulatorTestBase {
    static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
    static final long T0_SECONDS = T0.getEpochSecond();
    static final Path CERTS = Path.of("target", "test-certs");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    static Emulator emulator;
    static ManualClock clock;
    private final List<TestClient> clients = new ArrayList<>();

    @BeforeAll
    static void startEmulator() {
        clock = new ManualClock(T0);
        emulator = Emulator.builder()
                .certificateDirectory(CERTS)
                .devices("device", "gateway")
                .clock(clock)
                .timeoutCheckInterval(Duration.ofMillis(200))
                .build()
                .start();
    }

    @AfterAll
    static void stopEmulator() {
        if (emulator != null) {
            emulator.stop();
            emulator = null;
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(TestClient::close);
        clients.clear();
    }

    static String unique(String prefix) {
        return prefix + "-" + COUNTER.incrementAndGet();
    }

    /** A connected raw Paho client, closed after the test. */
    TestClient client(String... subscriptions) {
        TestClient c = TestClient.connect(emulator, unique("client"));
        clients.add(c);
        if (subscriptions.length > 0) {
            c.subscribe(subscriptions);
        }
        return c;
    }

    /** Moquette marks a session connected shortly after the CONNACK: poll for it. */
    static boolean eventuallyListed(Emulator e, String clientId) {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            if (e.connectedClients().stream().anyMatch(x -> x.clientId().equals(clientId))) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ex) {
                throw new AssertionError(ex);
            }
        }
        return false;
    }

    static JsonNode json(String s) {
        try {
            return TestClient.JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
