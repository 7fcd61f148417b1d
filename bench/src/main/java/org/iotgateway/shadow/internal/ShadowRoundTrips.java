package org.iotgateway.shadow.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.iotgateway.tls.NoDelaySocketFactory;

/**
 * Shadow update round trips (request to {@code update/accepted}) through three clients of one broker:
 * {@code ShadowService.updateAndWait}, the same request/reply loop written directly on an
 * {@code IoTConnection}, and raw Paho. Warmed up together, then measured in interleaved rounds whose
 * order rotates, so that none of them pays alone for the JIT warming the code they share. The first warm-up round
 * trips are kept too: they are what a gateway that updates its shadow now and then sees, its code not yet compiled
 * by the JIT's optimising compiler. In this package
 * because {@code ShadowEngine} is the shadow bundle's internal entry point outside OSGi.
 */
public final class ShadowRoundTrips {

    /**
     * Round trips in nanoseconds, per client, in measurement order: after the warm-up, and the first
     * {@code early.length} of the warm-up itself ({@code early[0]} ShadowService, {@code [1]} the loop on
     * IoTConnection, {@code [2]} raw Paho).
     */
    public record Result(long[] shadowService, long[] connection, long[] rawPaho, long[][] early) {
    }

    @FunctionalInterface
    private interface RoundTrip {
        long run(int n) throws Exception;
    }

    private ShadowRoundTrips() {
    }

    /**
     * @param connection a connected IoTConnection to the emulator's broker
     * @param serverUri  the same broker for raw Paho, e.g. {@code tcp://127.0.0.1:1883}
     * @param early      how many of the first warm-up round trips per client to return as well
     */
    public static Result measure(IoTConnection connection, String serverUri, String thingPrefix, int warmup, int count,
            int rounds, int early) throws Exception {
        try (ShadowEngine engine = new ShadowEngine()) {
            ShadowClient shadow = engine.open(connection, ShadowSettings.builder(thingPrefix + "-service").build());
            RoundTrip service = n -> {
                long start = System.nanoTime();
                shadow.updateAndWait(ShadowUpdate.reported(Map.of("n", n)));
                return System.nanoTime() - start;
            };

            String direct = "$aws/things/" + thingPrefix + "-direct/shadow/update";
            BlockingQueue<String> directAccepted = new ArrayBlockingQueue<>(16);
            connection.subscribeAndWait(direct + "/accepted", QoS.AT_LEAST_ONCE, m -> directAccepted.add(m.topic()));
            RoundTrip conn = n -> {
                byte[] body = update(n, "d");
                long start = System.nanoTime();
                connection.publish(direct, body, QoS.AT_LEAST_ONCE);
                expect(direct + "/accepted", directAccepted.poll(10, TimeUnit.SECONDS));
                return System.nanoTime() - start;
            };

            String prefix = "$aws/things/" + thingPrefix + "-raw/shadow/update";
            MqttAsyncClient raw = new MqttAsyncClient(serverUri, thingPrefix + "-raw", new MemoryPersistence());
            BlockingQueue<String> accepted = new ArrayBlockingQueue<>(16);
            raw.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    accepted.add(topic);
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(NoDelaySocketFactory.direct()); // the same socket option as IoTConnection
            raw.connect(o).waitForCompletion(10_000);
            RoundTrip paho = n -> {
                byte[] body = update(n, "t");
                long start = System.nanoTime();
                raw.publish(prefix, body, 1, false);
                expect(prefix + "/accepted", accepted.poll(10, TimeUnit.SECONDS));
                return System.nanoTime() - start;
            };

            RoundTrip[] clients = {service, conn, paho};
            long[][] measured = new long[clients.length][count];
            long[][] first = new long[clients.length][Math.min(early, warmup)];
            try {
                raw.subscribe(new String[] {prefix + "/accepted", prefix + "/rejected"}, new int[] {1, 1})
                        .waitForCompletion(10_000);
                int n = 0;
                for (int i = 0; i < warmup; i++) {
                    for (int k = 0; k < clients.length; k++) {
                        long nanos = clients[k].run(n++);
                        if (i < first[k].length) {
                            first[k][i] = nanos;
                        }
                    }
                }
                int done = 0;
                for (int round = 0; round < rounds; round++) {
                    int size = (count - done) / (rounds - round);
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
            return new Result(measured[0], measured[1], measured[2], first);
        }
    }

    private static byte[] update(int n, String tokenPrefix) {
        return ("{\"state\":{\"reported\":{\"n\":" + n + "}},\"clientToken\":\"" + tokenPrefix + n + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void expect(String topic, String got) {
        if (!topic.equals(got)) {
            throw new IllegalStateException("expected a reply on '" + topic + "', got " + (got == null ? "none in 10 s" : "'" + got + "'"));
        }
    }
}
