package org.iotgateway.bench;

import javax.net.SocketFactory;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The baseline: Paho's {@link MqttAsyncClient} used directly, the way a careful application would: in-memory
 * persistence (as {@code IoTConnection} uses), one action listener per benchmark run, Paho's in-flight window set
 * to the benchmark's window so that the caller's semaphore, not Paho, limits what is outstanding.
 */
final class RawPahoPublisher implements Publisher {

    private final MqttAsyncClient client;
    private final String label;
    private Completion listenerFor;
    private IMqttActionListener listener;

    private RawPahoPublisher(MqttAsyncClient client, String label) {
        this.client = client;
        this.label = label;
    }

    /**
     * @param serverUri     {@code tcp://127.0.0.1:port} or {@code ssl://localhost:port}
     * @param clientId      the MQTT client id
     * @param maxInflight   Paho's {@code maxInflight}
     * @param socketFactory the TLS socket factory, {@code null} for plain TCP
     * @return a connected client
     * @throws MqttException if it cannot connect
     */
    static RawPahoPublisher connect(String serverUri, String clientId, int maxInflight, SocketFactory socketFactory)
            throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(30);
        o.setConnectionTimeout(10);
        o.setMaxInflight(maxInflight);
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
            o.setHttpsHostnameVerificationEnabled(true);
        }
        try {
            c.connect(o).waitForCompletion(15_000);
        } catch (MqttException e) {
            try {
                c.close(true);
            } catch (MqttException ignored) {
                // not connected anyway
            }
            throw e;
        }
        return new RawPahoPublisher(c, "raw Paho");
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, Completion completion) throws MqttException {
        if (completion != listenerFor) {
            listenerFor = completion;
            listener = new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    completion.done();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable exception) {
                    completion.failed(exception);
                }
            };
        }
        client.publish(topic, payload, qos, false, null, listener);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(1000).waitForCompletion(3000);
            }
        } catch (MqttException e) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // nothing left to release
        }
    }
}
