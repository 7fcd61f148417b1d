package org.iotgateway.itests;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A plain Paho client subscribed at the test broker that counts the arrivals of every message whose
 * payload is a sequence number. Used inside the framework only, with the gateway's Paho bundle (the
 * host class path has no Paho, so test classes that run on the host must not mention Paho types).
 */
final class BrokerObserver implements AutoCloseable {

    private final MqttClient client;
    private final Map<Integer, AtomicInteger> arrived = new ConcurrentHashMap<>();

    BrokerObserver(int port, String topic) throws MqttException {
        client = new MqttClient("tcp://127.0.0.1:" + port, "observer-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setMaxInflight(1000);
        client.connect(options);
        client.subscribe(topic, 1, (t, m) -> arrived
                .computeIfAbsent(Integer.valueOf(new String(m.getPayload(), StandardCharsets.UTF_8)),
                        k -> new AtomicInteger())
                .incrementAndGet());
    }

    /** @return sequence number -> how many times it arrived */
    Map<Integer, AtomicInteger> arrived() {
        return arrived;
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
