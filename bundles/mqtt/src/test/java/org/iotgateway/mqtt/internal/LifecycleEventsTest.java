package org.iotgateway.mqtt.internal;

import static org.iotgateway.api.ConnectionEventType.ATTEMPTING_CONNECT;
import static org.iotgateway.api.ConnectionEventType.CONNECTION_FAILURE;
import static org.iotgateway.api.ConnectionEventType.CONNECTION_SUCCESS;
import static org.iotgateway.api.ConnectionEventType.DISCONNECTION;
import static org.iotgateway.api.ConnectionEventType.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionEventType;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle events a connection's state listeners receive, against a real mosquitto: their
 * exact order and content for a first connect, a broker restart, a close, a refused CONNECT, and
 * with listeners that throw.
 */
class LifecycleEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    @TempDir
    Path dir;

    private final List<MqttConnection> connections = new ArrayList<>();
    private final List<Mosquitto> brokers = new ArrayList<>();

    @AfterEach
    void stopAll() {
        connections.forEach(MqttConnection::close);
        brokers.forEach(Mosquitto::close);
    }

    private Mosquitto broker(Mosquitto.Builder builder) {
        Mosquitto m = builder.start();
        brokers.add(m);
        return m;
    }

    private static Map<String, Object> config(int port, String clientId) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", "events");
        m.put("transport", "tcp");
        m.put("endpoint", "127.0.0.1");
        m.put("port", port);
        m.put("client.id", clientId);
        m.put("keep.alive", 23);
        m.put("reconnect.backoff.base.ms", 100L);
        m.put("reconnect.backoff.max.ms", 300L);
        m.put("operation.timeout", 10);
        return m;
    }

    /** Listeners are added before start: they see the first event too. */
    private MqttConnection open(Map<String, Object> config, ConnectionStateListener... listeners) {
        ConnectionSettings settings = ConnectionSettings.from(ConfigProxy.connection(config));
        MqttConnection c = new MqttConnection(settings, TlsSetup.socketFactory(settings), new MemorySpool(), "test");
        connections.add(c);
        for (ConnectionStateListener l : listeners) {
            c.addStateListener(l);
        }
        c.start();
        return c;
    }

    /** Records events and the threads they arrive on. */
    static final class Recorder implements ConnectionStateListener {
        final List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void stateChanged(ConnectionStateEvent event) {
            threads.add(Thread.currentThread().getName());
            events.add(event);
        }

        List<ConnectionEventType> types() {
            return events.stream().map(ConnectionStateEvent::type).collect(Collectors.toList());
        }

        long count(ConnectionEventType type) {
            return events.stream().filter(e -> e.type() == type).count();
        }

        ConnectionStateEvent last() {
            return events.get(events.size() - 1);
        }

        void awaitCount(ConnectionEventType type, long n) {
            Conditions.await(n + " x " + type, WAIT, () -> count(type) >= n, () -> "events: " + types());
        }

        /** Waits until the sequence received so far ends with these types. */
        void awaitEndsWith(ConnectionEventType... tail) {
            Conditions.await("events ending with " + List.of(tail), WAIT, () -> {
                List<ConnectionEventType> t = types();
                return t.size() >= tail.length && t.subList(t.size() - tail.length, t.size()).equals(List.of(tail));
            }, () -> "events: " + types());
        }
    }

    /** Every event arrives on the connection's dispatcher pool, never on Paho's or the control thread. */
    private static void assertDispatcherThreads(Recorder r) {
        for (String t : r.threads) {
            assertTrue(t.startsWith("iotgw-events-dispatch-"), "event delivered on thread '" + t + "'");
        }
    }

    /** Each event's previous state is the state of the event before: nothing lost, nothing reordered. */
    private static void assertChained(List<ConnectionStateEvent> events) {
        ConnectionState state = ConnectionState.DISCONNECTED;
        for (ConnectionStateEvent e : events) {
            assertEquals(state, e.previous(), "event " + e + " does not follow " + state + " in " + events);
            assertEquals(ConnectionEventType.of(e.previous(), e.current()), e.type());
            state = e.current();
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void firstConnectIsAttemptThenSuccessWithTheNegotiatedSettings() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        String clientId = "ev-" + CLIENTS.incrementAndGet();
        Recorder r = new Recorder();
        open(config(m.port(), clientId), r);
        r.awaitCount(CONNECTION_SUCCESS, 1);
        Thread.sleep(200);
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS), r.types());
        assertChained(r.events);
        assertDispatcherThreads(r);

        ConnectionStateEvent attempt = r.events.get(0);
        assertEquals("events", attempt.connectionId());
        assertFalse(attempt.cause().isPresent());
        assertFalse(attempt.negotiated().isPresent());
        assertFalse(attempt.reason().isPresent());

        ConnectionStateEvent success = r.events.get(1);
        assertFalse(success.cause().isPresent());
        assertFalse(success.reason().isPresent());
        NegotiatedSettings n = success.negotiated().orElseThrow();
        assertEquals(MqttVersion.MQTT_3_1_1, n.protocol());
        assertEquals(clientId, n.clientId());
        assertFalse(n.clientIdAssigned());
        assertEquals(Duration.ofSeconds(23), n.keepAlive());
        assertFalse(n.sessionPresent(), "a clean session is never resumed");
        assertEquals(0, n.sessionExpirySeconds());
        // MQTT 3.1.1 announces no limits: the protocol's apply
        assertEquals(QoS.AT_LEAST_ONCE, n.maximumQos());
        assertEquals(65_535, n.receiveMaximum());
        assertEquals(0, n.topicAliasMaximum());
        assertEquals(NegotiatedSettings.PROTOCOL_MAXIMUM_PACKET_SIZE, n.maximumPacketSize());
        assertTrue(n.retainAvailable());
        assertTrue(n.wildcardSubscriptionsAvailable());
        assertFalse(n.sharedSubscriptionsAvailable());
        assertFalse(n.serverReference().isPresent());
        assertFalse(success.timestamp().isBefore(attempt.timestamp()));
    }

    @Test
    void sessionPresentComesFromTheBrokersConnack() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        Map<String, Object> config = config(m.port(), "ev-persistent-" + CLIENTS.incrementAndGet());
        config.put("clean.session", false);
        Recorder first = new Recorder();
        MqttConnection c = open(config, first);
        first.awaitCount(CONNECTION_SUCCESS, 1);
        NegotiatedSettings n = first.events.get(1).negotiated().orElseThrow();
        assertFalse(n.sessionPresent(), "the broker had no session for this client yet");
        assertTrue(n.sessionExpirySeconds() > 0, "a 3.1.1 session that is not clean does not end with the connection");
        c.close();

        Recorder second = new Recorder();
        open(config, second);
        second.awaitCount(CONNECTION_SUCCESS, 1);
        assertTrue(second.events.get(1).negotiated().orElseThrow().sessionPresent(),
                "mosquitto kept the session of the first connection: " + second.events);
    }

    @Test
    void brokerRestartIsDisconnectionThenFailedAttemptsThenSuccess() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        Recorder r = new Recorder();
        Recorder second = new Recorder();
        open(config(m.port(), "ev-" + CLIENTS.incrementAndGet()), r, second);
        r.awaitCount(CONNECTION_SUCCESS, 1);

        m.stop();
        r.awaitCount(CONNECTION_FAILURE, 3);
        m.start();
        r.awaitCount(CONNECTION_SUCCESS, 2);
        Thread.sleep(300);

        List<ConnectionEventType> types = r.types();
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS, DISCONNECTION), types.subList(0, 3), types.toString());
        // while the broker is down: attempt, failure, attempt, failure, ...; then the attempt that succeeds
        List<ConnectionEventType> outage = types.subList(3, types.size() - 2);
        assertTrue(outage.size() >= 6 && outage.size() % 2 == 0, types.toString());
        for (int i = 0; i < outage.size(); i += 2) {
            assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_FAILURE), outage.subList(i, i + 2), types.toString());
        }
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS), types.subList(types.size() - 2, types.size()));
        assertChained(r.events);
        assertDispatcherThreads(r);

        ConnectionStateEvent lost = r.events.get(2);
        assertEquals(ConnectionState.CONNECTED, lost.previous());
        assertTrue(lost.cause().isPresent(), "a disconnection always has a cause: " + lost);
        assertFalse(lost.reason().isPresent(), "MQTT 3.1.1 has no DISCONNECT from the broker: " + lost);
        for (ConnectionStateEvent e : r.events) {
            if (e.type() == CONNECTION_FAILURE) {
                assertTrue(e.cause().isPresent(), "failure without cause: " + e);
                assertFalse(e.reason().isPresent(), "connection refused by the OS, not by a CONNACK: " + e);
                assertFalse(e.negotiated().isPresent());
            }
        }
        assertTrue(r.last().negotiated().isPresent());
        // every listener sees the same events in the same order
        assertEquals(r.events, second.events);
    }

    @Test
    void closeWhileConnectedIsDisconnectionThenStoppedAndNothingAfter() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        Recorder r = new Recorder();
        MqttConnection c = open(config(m.port(), "ev-" + CLIENTS.incrementAndGet()), r);
        r.awaitCount(CONNECTION_SUCCESS, 1);
        c.close();
        r.awaitCount(STOPPED, 1);
        Thread.sleep(500);
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS, DISCONNECTION, STOPPED), r.types());
        assertChained(r.events);
        assertDispatcherThreads(r);
        ConnectionStateEvent disconnection = r.events.get(2);
        ConnectionClosedException cause = assertInstanceOf(ConnectionClosedException.class,
                disconnection.cause().orElseThrow());
        assertEquals("connection 'events' was closed by the application", cause.getMessage());
        ConnectionStateEvent stopped = r.events.get(3);
        assertEquals(ConnectionState.DISCONNECTED, stopped.previous());
        assertEquals(ConnectionState.CLOSED, stopped.current());
        assertEquals(cause, stopped.cause().orElseThrow());

        c.close(); // a second close changes nothing
        Thread.sleep(200);
        assertEquals(4, r.events.size(), r.types().toString());
    }

    @Test
    void closeWhileTheBrokerIsDownEndsWithStoppedOnly() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        m.stop();
        Recorder r = new Recorder();
        MqttConnection c = open(config(m.port(), "ev-" + CLIENTS.incrementAndGet()), r);
        r.awaitCount(CONNECTION_FAILURE, 2);
        c.close();
        r.awaitCount(STOPPED, 1);
        Thread.sleep(300);
        List<ConnectionEventType> types = r.types();
        assertEquals(STOPPED, types.get(types.size() - 1), types.toString());
        assertEquals(CONNECTION_FAILURE, types.get(types.size() - 2), types.toString());
        assertEquals(0, r.count(DISCONNECTION), "never connected, so never disconnected: " + types);
        assertChained(r.events);
    }

    @Test
    void refusedConnectCarriesTheConnackReasonAsMqtt5Code() throws Exception {
        Path passwords = dir.resolve("passwords");
        Files.writeString(passwords, "");
        Process p = new ProcessBuilder("mosquitto_passwd", "-b", passwords.toString(), "device", "s3cret-Pw")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0,
                "mosquitto_passwd failed: " + new String(p.getInputStream().readAllBytes()));
        Mosquitto m = broker(Mosquitto.builder().config("allow_anonymous false")
                .config("password_file " + passwords));

        // mosquitto 2 answers MQTT 3.1.1 clients with return code 5 (not authorized) both for a wrong password and
        // for missing credentials; reported as 0x87
        Map<String, Object> wrong = config(m.port(), "ev-" + CLIENTS.incrementAndGet());
        wrong.put("username", "device");
        wrong.put("password", "not-the-password");
        assertRefusedWith(wrong, 0x87, "Not authorized");
        assertRefusedWith(config(m.port(), "ev-" + CLIENTS.incrementAndGet()), 0x87, "Not authorized");

        // the right password connects: the refusals above were about the credentials only
        Map<String, Object> right = config(m.port(), "ev-" + CLIENTS.incrementAndGet());
        right.put("username", "device");
        right.put("password", "s3cret-Pw");
        Recorder ok = new Recorder();
        open(right, ok);
        ok.awaitCount(CONNECTION_SUCCESS, 1);
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS), ok.types());
    }

    @Test
    void badUserNameOrPasswordIsReportedAs0x86() throws Exception {
        // a TLS listener that takes the user name from the client certificate refuses a client without one with
        // return code 4 (bad user name or password): the custom authorizer transport is TLS without a certificate
        TestPki pki = TestPki.create(dir);
        Mosquitto m = broker(Mosquitto.builder().tls(pki.server()).requireCertificate(false).useIdentityAsUsername(true));
        Map<String, Object> config = config(m.tlsPort(), "ev-" + CLIENTS.incrementAndGet());
        config.put("transport", "custom-auth");
        config.put("endpoint", "localhost");
        config.put("ca.file", pki.caCert().toString());
        config.put("custom.auth.name", "plant-authorizer");
        config.put("username", "device");
        config.put("password", "not-the-password");
        assertRefusedWith(config, 0x86, "Bad User Name or Password");
    }

    private void assertRefusedWith(Map<String, Object> config, int code, String name) {
        Recorder r = new Recorder();
        MqttConnection c = open(config, r);
        r.awaitCount(CONNECTION_FAILURE, 2);
        c.close();
        r.awaitCount(STOPPED, 1);
        assertEquals(0, r.count(CONNECTION_SUCCESS), r.types().toString());
        assertChained(r.events);
        for (ConnectionStateEvent e : r.events) {
            if (e.type() != CONNECTION_FAILURE) {
                continue;
            }
            // the last failure may be the close itself, which has no CONNACK
            if (e.cause().orElseThrow() instanceof ConnectionClosedException) {
                assertFalse(e.reason().isPresent(), e.toString());
                continue;
            }
            MqttReason reason = e.reason().orElseThrow(() -> new AssertionError("no CONNACK reason in " + e));
            assertEquals(code, reason.code(), e.toString());
            assertEquals(name, reason.name());
            assertTrue(reason.isError());
            assertFalse(reason.reasonString().isPresent(), "MQTT 3.1.1 has no reason string");
            assertFalse(e.toString().contains("not-the-password"), "the password leaked into the event: " + e);
        }
    }

    @Test
    void aThrowingListenerDoesNotStopTheOthersAndOrderHolds() throws Exception {
        Mosquitto m = broker(Mosquitto.builder());
        Recorder before = new Recorder();
        AtomicInteger runtimeCalls = new AtomicInteger();
        AtomicInteger errorCalls = new AtomicInteger();
        ConnectionStateListener throwsRuntime = e -> {
            runtimeCalls.incrementAndGet();
            throw new IllegalStateException("listener bug on " + e.type());
        };
        ConnectionStateListener throwsError = e -> {
            errorCalls.incrementAndGet();
            throw new AssertionError("listener error on " + e.type());
        };
        Recorder after = new Recorder();
        MqttConnection c = open(config(m.port(), "ev-" + CLIENTS.incrementAndGet()), before, throwsRuntime, throwsError,
                after);
        after.awaitCount(CONNECTION_SUCCESS, 1);
        m.stop();
        after.awaitCount(CONNECTION_FAILURE, 1);
        m.start();
        after.awaitCount(CONNECTION_SUCCESS, 2);
        c.close();
        after.awaitCount(STOPPED, 1);
        Thread.sleep(200);

        List<ConnectionEventType> types = after.types();
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS, DISCONNECTION), types.subList(0, 3), types.toString());
        assertEquals(List.of(ATTEMPTING_CONNECT, CONNECTION_SUCCESS, DISCONNECTION, STOPPED),
                types.subList(types.size() - 4, types.size()), types.toString());
        assertChained(after.events);
        assertEquals(before.events, after.events);
        assertEquals(after.events.size(), runtimeCalls.get());
        assertEquals(after.events.size(), errorCalls.get());
    }

    @Test
    void connackReturnCodesMapToTheMqtt5CodesOfTheSameMeaning() {
        int[][] mapping = { { 1, 0x84 }, { 2, 0x85 }, { 3, 0x88 }, { 4, 0x86 }, { 5, 0x87 } };
        for (int[] m : mapping) {
            MqttReason r = MqttConnection.connackReason(new org.eclipse.paho.client.mqttv3.MqttException(m[0]));
            assertEquals(m[1], r.code(), "return code " + m[0]);
        }
        // not a CONNACK refusal: connection refused, timeouts, anything else
        assertEquals(null, MqttConnection.connackReason(new org.eclipse.paho.client.mqttv3.MqttException(
                org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_SERVER_CONNECT_ERROR)));
        assertEquals(null, MqttConnection.connackReason(new org.eclipse.paho.client.mqttv3.MqttException(
                org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_CONNECTION_LOST)));
        assertEquals(null, MqttConnection.connackReason(new IOException("reset")));
        assertEquals(null, MqttConnection.connackReason(null));
    }
}
