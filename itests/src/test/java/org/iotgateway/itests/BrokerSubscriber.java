package org.iotgateway.itests;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * What arrives at the broker: a plain Paho client (the framework's Paho bundle, reached through the probe's
 * dynamic import), independent of our bundles, subscribed with QoS 1 to one topic whose payloads are
 * sequence numbers. A persistent session with automatic reconnect, so that a hiccup of this observer does
 * not lose messages. Used inside the framework only.
 */
final class BrokerSubscriber implements AutoCloseable {

    private final MqttClient client;
    private final Map<Integer, AtomicInteger> received = new ConcurrentHashMap<>();
    private final AtomicInteger unparsable = new AtomicInteger();

    BrokerSubscriber(int port, String clientId, String topic) throws MqttException {
        client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                System.err.println("observer " + clientId + " lost its connection: " + cause);
            }

            @Override
            public void messageArrived(String t, MqttMessage message) {
                try {
                    int seq = Integer.parseInt(new String(message.getPayload(), StandardCharsets.UTF_8));
                    received.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
                } catch (NumberFormatException e) {
                    unparsable.incrementAndGet();
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // not publishing
            }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setAutomaticReconnect(true);
        options.setMaxInflight(1000);
        client.connect(options);
        client.subscribe(topic, 1);
    }

    /** @return how often each sequence number arrived */
    Map<Integer, Integer> received() {
        Map<Integer, Integer> m = new TreeMap<>();
        received.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    int unparsable() {
        return unparsable.get();
    }

    @Override
    public void close() {
        try {
            client.disconnect(1000);
        } catch (MqttException ignored) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // closed
        }
    }
}
