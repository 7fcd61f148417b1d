package org.iotgateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Connections;

/**
 * The implementation under test: an {@code IoTConnection} opened outside OSGi with {@link Connections#open}.
 * <p>
 * By default the benchmark's completion callback is chained with {@code whenComplete}, so it runs on the connection's
 * dispatcher (the library's default, safe for blocking callbacks). {@link #callbacksOnCompletingThread()} gives the
 * same connection with the callback chained by {@code whenCompleteAsync(callback, Runnable::run)}, the documented
 * opt-out: it then runs on the thread that completed the stage (Paho's callback thread), where raw Paho runs its
 * {@code IMqttActionListener}.
 */
final class IoTConnectionPublisher implements Publisher {

    private static final Executor COMPLETING_THREAD = Runnable::run;

    private final Connections.Standalone connection;
    /** Where the callback runs: null for {@code whenComplete} (the dispatcher), else this executor. */
    private final Executor callbackExecutor;

    private IoTConnectionPublisher(Connections.Standalone connection, Executor callbackExecutor) {
        this.connection = connection;
        this.callbackExecutor = callbackExecutor;
    }

    /**
     * @return a publisher on the same connection whose callback runs on the thread that completes the stage; closing
     *         it closes the connection too
     */
    IoTConnectionPublisher callbacksOnCompletingThread() {
        return new IoTConnectionPublisher(connection, COMPLETING_THREAD);
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
        return new IoTConnectionPublisher(openConnected(p), null);
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
        return callbackExecutor == null ? "IoTConnection" : "IoTConnection, callback on completing thread";
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, Completion completion) {
        BiConsumer<Void, Throwable> callback = (v, t) -> {
            if (t == null) {
                completion.done();
            } else {
                completion.failed(t);
            }
        };
        CompletionStage<Void> stage = connection.publish(topic, payload, qos == 0 ? QoS.AT_MOST_ONCE : QoS.AT_LEAST_ONCE);
        if (callbackExecutor == null) {
            stage.whenComplete(callback);
        } else {
            stage.whenCompleteAsync(callback, callbackExecutor);
        }
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
