package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.api.IoTConnection;
import org.junit.jupiter.api.Test;

/**
 * Measures shadow update round trips (request to update/accepted) through ShadowService and,
 * in the same run against the same emulator, the same loop written directly on raw Paho. It
 * prints the numbers (recorded in bench/RESULTS.md) and asserts only that every update was
 * accepted: timing assertions would flake on shared machines.
 * <p>
 * {@code mvn -B -pl bundles/shadow -Dtest=UpdateRoundTripTest test} ({@code -Dshadow.roundtrip.count=N}).
 */
class UpdateRoundTripTest extends EmulatorTestBase {

    private static final int COUNT = Integer.getInteger("shadow.roundtrip.count", 300);
    private static final int WARMUP = 50;

    @Test
    void updateRoundTripsThroughShadowServiceAndRawPaho() throws Exception {
        IoTConnection connection = connect("bench");
        ShadowClient shadow = engine.open(connection, ShadowSettings.builder(unique("rt-thing")).build());
        long[] ours = new long[COUNT];
        for (int i = -WARMUP; i < COUNT; i++) {
            long start = System.nanoTime();
            shadow.updateAndWait(org.iotgateway.api.shadow.ShadowUpdate.reported(Map.of("n", i)));
            if (i >= 0) {
                ours[i] = System.nanoTime() - start;
            }
        }

        // the same loop on IoTConnection directly: splits the cost between the connection and the shadow layer
        String direct = "$aws/things/" + unique("rt-direct") + "/shadow/update";
        BlockingQueue<String> directAccepted = new ArrayBlockingQueue<>(16);
        connection.subscribeAndWait(direct + "/accepted", org.iotgateway.api.QoS.AT_LEAST_ONCE, m -> directAccepted.add(m.topic()));
        long[] conn = new long[COUNT];
        for (int i = -WARMUP; i < COUNT; i++) {
            byte[] body = ("{\"state\":{\"reported\":{\"n\":" + i + "}},\"clientToken\":\"d" + (i + WARMUP) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            connection.publish(direct, body, org.iotgateway.api.QoS.AT_LEAST_ONCE);
            assertEquals(direct + "/accepted", directAccepted.poll(10, TimeUnit.SECONDS));
            if (i >= 0) {
                conn[i] = System.nanoTime() - start;
            }
        }

        String thing = unique("rt-raw");
        String prefix = "$aws/things/" + thing + "/shadow/update";
        MqttAsyncClient raw = new MqttAsyncClient("tcp://" + emulator.host() + ":" + emulator.mqttPort(), unique("raw"),
                new MemoryPersistence());
        BlockingQueue<String> accepted = new ArrayBlockingQueue<>(16);
        raw.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                accepted.add(topic);
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(new NoDelay()); // the same socket option as IoTConnection
        raw.connect(o).waitForCompletion(10_000);
        raw.subscribe(new String[] { prefix + "/accepted", prefix + "/rejected" }, new int[] { 1, 1 }).waitForCompletion(10_000);
        long[] paho = new long[COUNT];
        try {
            for (int i = -WARMUP; i < COUNT; i++) {
                byte[] body = ("{\"state\":{\"reported\":{\"n\":" + i + "}},\"clientToken\":\"t" + (i + WARMUP) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                long start = System.nanoTime();
                raw.publish(prefix, body, 1, false);
                String topic = accepted.poll(10, TimeUnit.SECONDS);
                assertEquals(prefix + "/accepted", topic);
                if (i >= 0) {
                    paho[i] = System.nanoTime() - start;
                }
            }
        } finally {
            raw.disconnectForcibly(0, 1000);
            raw.close();
        }
        System.out.println("shadow update round trip over " + COUNT + " updates: ShadowService " + describe(ours)
                + "; IoTConnection directly " + describe(conn) + "; raw Paho " + describe(paho));
    }

    private static String describe(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double total = Arrays.stream(nanos).sum() / 1e9;
        return String.format("p50 %.2f ms, p99 %.2f ms, %.0f round trips/s", sorted[sorted.length / 2] / 1e6,
                sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6, nanos.length / total);
    }

    /** Plain sockets with TCP_NODELAY, as the connection bundle uses. */
    private static final class NoDelay extends javax.net.SocketFactory {
        private final javax.net.SocketFactory plain = javax.net.SocketFactory.getDefault();

        private static java.net.Socket set(java.net.Socket s) throws java.io.IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public java.net.Socket createSocket() throws java.io.IOException {
            return set(plain.createSocket());
        }

        @Override
        public java.net.Socket createSocket(String host, int port) throws java.io.IOException {
            return set(plain.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort)
                throws java.io.IOException {
            return set(plain.createSocket(host, port, local, localPort));
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress host, int port) throws java.io.IOException {
            return set(plain.createSocket(host, port));
        }

        @Override
        public java.net.Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress local, int localPort)
                throws java.io.IOException {
            return set(plain.createSocket(address, port, local, localPort));
        }
    }
}
