package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A raw Paho client for tests: subscribes to topics, records every message, and waits for messages
 * on a topic. Speaks nothing but the wire protocol.
 */
final class TestClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(5);

    record Received(String topic, String payload) {
        JsonNode json() {
            try {
                return JSON.readTree(payload);
            } catch (Exception e) {
                throw new AssertionError("not JSON on " + topic + ": " + payload, e);
            }
        }
    }

    final MqttClient client;
    private final LinkedBlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
    private final List<Received> pending = new ArrayList<>();

    TestClient(String url, String clientId) throws MqttException {
        this(url, clientId, new MqttConnectOptions());
    }

    TestClient(String url, String clientId, MqttConnectOptions options) throws MqttException {
        client = new MqttClient(url, clientId, new MemoryPersistence());
        client.setTimeToWait(10_000);
        options.setCleanSession(true);
        options.setConnectionTimeout(5);
        client.connect(options);
    }

    static TestClient connect(Emulator e, String clientId) {
        try {
            return new TestClient(e.mqttUrl(), clientId);
        } catch (MqttException ex) {
            throw new AssertionError(ex);
        }
    }

    /** Subscribes (QoS 1) and waits for the SUBACK. */
    TestClient subscribe(String... filters) {
        try {
            IMqttMessageListener[] listeners = new IMqttMessageListener[filters.length];
            int[] qos = new int[filters.length];
            for (int i = 0; i < filters.length; i++) {
                qos[i] = 1;
                listeners[i] = this::record;
            }
            client.subscribe(filters, qos, listeners);
            return this;
        } catch (MqttException ex) {
            throw new AssertionError(ex);
        }
    }

    private void record(String topic, MqttMessage msg) {
        inbox.add(new Received(topic, new String(msg.getPayload(), StandardCharsets.UTF_8)));
    }

    void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    void publish(String topic, byte[] payload) {
        try {
            client.publish(topic, payload, 1, false);
        } catch (MqttException ex) {
            throw new AssertionError(ex);
        }
    }

    /** Waits for the next message on the topic matching the predicate (others are kept). */
    synchronized Received await(String topic, Predicate<JsonNode> match) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int i = 0; i < pending.size(); i++) {
            Received r = pending.get(i);
            if (r.topic().equals(topic) && match.test(r.json())) {
                pending.remove(i);
                return r;
            }
        }
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Received r = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
                if (r == null) {
                    fail("no message on " + topic + " within " + WAIT + "; got " + pending);
                }
                if (r.topic().equals(topic) && match.test(r.json())) {
                    return r;
                }
                pending.add(r);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    JsonNode await(String topic) {
        return await(topic, j -> true).json();
    }

    /** Waits for the reply carrying the client token. */
    JsonNode awaitToken(String topic, String token) {
        return await(topic, j -> token.equals(j.path("clientToken").asText(null))).json();
    }

    /** Asserts nothing arrives on the topic for a while. */
    synchronized void expectNothing(String topic, Duration quiet) {
        long deadline = System.nanoTime() + quiet.toNanos();
        for (Received r : pending) {
            if (r.topic().equals(topic)) {
                fail("unexpected message on " + topic + ": " + r.payload());
            }
        }
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                Received r = inbox.poll(left, TimeUnit.NANOSECONDS);
                if (r == null) {
                    return;
                }
                if (r.topic().equals(topic)) {
                    assertNull(r, "unexpected message on " + topic + ": " + r.payload());
                }
                pending.add(r);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Everything received so far on the topic (drains it). */
    synchronized List<Received> drain(String topic) {
        List<Received> out = new ArrayList<>();
        Received r;
        while ((r = inbox.poll()) != null) {
            pending.add(r);
        }
        pending.removeIf(x -> {
            if (x.topic().equals(topic)) {
                out.add(x);
                return true;
            }
            return false;
        });
        return out;
    }

    /** Everything received and not consumed yet, in arrival order (drains it). */
    synchronized List<Received> drainAll() {
        Received r;
        while ((r = inbox.poll()) != null) {
            pending.add(r);
        }
        List<Received> out = new ArrayList<>(pending);
        pending.clear();
        return out;
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(200);
            }
        } catch (MqttException e) {
            // test cleanup
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // test cleanup
        }
    }
}
