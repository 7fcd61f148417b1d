package org.iotgateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Connections;

/** The implementation under test: an {@code IoTConnection} opened outside OSGi with {@link Connections#open}. */
final class IoTConnectionPublisher implements Publisher {

    private final Connections.Standalone connection;

    private IoTConnectionPublisher(Connections.Standalone connection) {
        this.connection = connection;
    }

    /** TLS material of a connection: CA, client certificate and key (PEM files). */
    record Tls(Path ca, Path cert, Path key) {
    }

    /**
     * @param host        {@code 127.0.0.1}, or {@code localhost} for TLS (the server certificate names it)
     * @param port        the broker port
     * @param tls         TLS material, {@code null} for plain TCP
     * @param clientId    the MQTT client id
     * @param maxInflight {@code max.inflight}
     * @return a connected connection
     */
    static IoTConnectionPublisher open(String host, int port, Tls tls, String clientId, int maxInflight) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("connection.id", clientId);
        p.put("client.id", clientId);
        p.put("endpoint", host);
        p.put("port", port);
        p.put("transport", tls == null ? "tcp" : "mqtts");
        if (tls != null) {
            p.put("ca.file", tls.ca().toString());
            p.put("cert.file", tls.cert().toString());
            p.put("key.file", tls.key().toString());
        }
        p.put("max.inflight", maxInflight);
        p.put("queue.drain.frequency", 0);
        p.put("keep.alive", 30);
        p.put("metrics.enabled", false);
        return new IoTConnectionPublisher(openConnected(p));
    }

    /**
     * @param configuration a connection configuration ({@code connection.id}, {@code endpoint}, {@code port}, ...)
     * @return the connection, once CONNECTED
     * @throws IllegalStateException if it does not connect within 20 s (it is closed then)
     */
    static Connections.Standalone openConnected(Map<String, Object> configuration) {
        Connections.Standalone c = Connections.open(configuration);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (c.state() != ConnectionState.CONNECTED) {
            if (System.nanoTime() > deadline) {
                c.close();
                throw new IllegalStateException("IoTConnection '" + configuration.get("connection.id")
                        + "' did not connect to " + configuration.get("endpoint") + ":" + configuration.get("port")
                        + " within 20 s");
            }
            sleep(5);
        }
        return c;
    }

    @Override
    public String label() {
        return "IoTConnection";
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, Completion completion) {
        connection.publish(topic, payload, qos == 0 ? QoS.AT_MOST_ONCE : QoS.AT_LEAST_ONCE)
                .whenComplete((v, t) -> {
                    if (t == null) {
                        completion.done();
                    } else {
                        completion.failed(t);
                    }
                });
    }

    @Override
    public void close() {
        connection.close();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
