package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
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
 * Measures shadow update round trips (request to update/accepted) through ShadowService, through
 * the same request/reply loop written directly on IoTConnection, and on raw Paho, against one
 * emulator in the same JVM. It prints the numbers (recorded in bench/RESULTS.md) and asserts only
 * that every update was accepted: timing assertions would flake on shared machines.
 * <p>
 * The three clients are warmed up together and then measured in interleaved rounds whose order
 * rotates, so that none of them pays alone for the JIT warming up the code all of them share (the
 * emulator, Moquette, Netty, Paho): measured one after the other, the first client measured looks
 * several times slower than it is.
 * <p>
 * {@code mvn -B -pl bundles/shadow -am verify -Dtest=UpdateRoundTripTest -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dshadow.roundtrip.count=N}, {@code -Dshadow.roundtrip.warmup=N}).
 */
class UpdateRoundTripTest extends EmulatorTestBase {

    private static final int COUNT = Integer.getInteger("shadow.roundtrip.count", 300);
    private static final int WARMUP = Integer.getInteger("shadow.roundtrip.warmup", 300);
    private static final int ROUNDS = 6;

    /** One request/reply loop iteration; returns its round trip in nanoseconds. */
    @FunctionalInterface
    private interface RoundTrip {
        long run(int n) throws Exception;
    }

    @Test
    void updateRoundTripsThroughShadowServiceIoTConnectionAndRawPaho() throws Exception {
        IoTConnection connection = connect("bench");
        ShadowClient shadow = engine.open(connection, ShadowSettings.builder(unique("rt-thing")).build());
        RoundTrip ours = n -> {
            long start = System.nanoTime();
            shadow.updateAndWait(org.iotgateway.api.shadow.ShadowUpdate.reported(Map.of("n", n)));
            return System.nanoTime() - start;
        };

        // the same loop on IoTConnection directly: splits the cost between the connection and the shadow layer
        String direct = "$aws/things/" + unique("rt-direct") + "/shadow/update";
        BlockingQueue<String> directAccepted = new ArrayBlockingQueue<>(16);
        connection.subscribeAndWait(direct + "/accepted", org.iotgateway.api.QoS.AT_LEAST_ONCE, m -> directAccepted.add(m.topic()));
        RoundTrip conn = n -> {
            byte[] body = ("{\"state\":{\"reported\":{\"n\":" + n + "}},\"clientToken\":\"d" + n + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            connection.publish(direct, body, org.iotgateway.api.QoS.AT_LEAST_ONCE);
            assertEquals(direct + "/accepted", directAccepted.poll(10, TimeUnit.SECONDS));
            return System.nanoTime() - start;
        };

        String thing = unique("rt-raw");
        String prefix = "$aws/things/" + thing + "/shadow/update";
        MqttAsyncClient raw = new MqttAsyncClient("tcp://" + brokerHost() + ":" + brokerPort(), unique("raw"),
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
        RoundTrip paho = n -> {
            byte[] body = ("{\"state\":{\"reported\":{\"n\":" + n + "}},\"clientToken\":\"t" + n + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            raw.publish(prefix, body, 1, false);
            assertEquals(prefix + "/accepted", accepted.poll(10, TimeUnit.SECONDS));
            return System.nanoTime() - start;
        };

        RoundTrip[] clients = { ours, conn, paho };
        long[][] measured = new long[clients.length][COUNT];
        try {
            raw.subscribe(new String[] { prefix + "/accepted", prefix + "/rejected" }, new int[] { 1, 1 }).waitForCompletion(10_000);
            int n = 0;
            for (int i = 0; i < WARMUP; i++) {
                for (RoundTrip c : clients) {
                    c.run(n++);
                }
            }
            int done = 0;
            for (int round = 0; round < ROUNDS; round++) {
                int size = (COUNT - done) / (ROUNDS - round);
                for (int k = 0; k < clients.length; k++) {
                    int which = (round + k) % clients.length;
                    for (int i = 0; i < size; i++) {
                        measured[which][done + i] = clients[which].run(n++);
                    }
                }
                done += size;
            }
        } finally {
            raw.disconnectForcibly(0, 1000);
            raw.close();
        }
        System.out.println("shadow update round trip" + (MQTT5 ? " (MQTT 5 through the mosquitto bridge)" : "") + " over "
                + COUNT + " updates per client (" + WARMUP + " warm-up each, "
                + ROUNDS + " interleaved rounds): ShadowService " + describe(measured[0]) + "; IoTConnection directly "
                + describe(measured[1]) + "; raw Paho " + describe(measured[2]));
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
