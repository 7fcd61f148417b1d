package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.testsupport.ConnectProxy;
import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.LogCapture;
import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every transport end to end against mosquitto listeners of the right kind (TLS with client certificates, WebSocket
 * over TLS, plain WebSocket) and JDK TLS fronts that stand in for AWS IoT's port 443 (ALPN checked, SigV4 signatures
 * verified with an independent implementation), directly and through an HTTP CONNECT proxy.
 */
class TransportsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String KEY_A = "AKIAROTATIONKEYAA";
    private static final String SECRET_A = "secret-A/rotation+1";
    private static final String KEY_B = "AKIAROTATIONKEYBB";
    private static final String SECRET_B = "secret-B/rotation+2";
    private static final String KEY_C = "AKIACONFIGUREDCC";
    private static final String SECRET_C = "secret-C/configured";
    private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjE//session+token==";

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static TestPki.Issued server;
    private static TestPki.Issued device;
    private static Mosquitto mosquitto;
    private static int wssPort;
    private static int wsPort;
    private static TlsFront alpnFront;
    private static TlsFront customAuthFront;
    private static TlsFront sigv4Front;
    /** Access keys the SigV4 front accepts, with their secrets. */
    private static final Map<String, String> accepted = new ConcurrentHashMap<>();
    private static final List<String> signedRequests = new CopyOnWriteArrayList<>();

    private final List<MqttConnection> connections = new ArrayList<>();
    /** The sockets each connection's factory created (see {@link RecordingSocketFactory}). */
    private static final Map<MqttConnection, List<java.net.Socket>> socketsOf = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Mosquitto.require();
        pki = TestPki.create(dir);
        server = pki.server();
        device = pki.client("transport-device", TestPki.KeyType.EC, TestPki.KeyFormat.SEC1);
        wssPort = FreePort.find();
        wsPort = FreePort.find();
        mosquitto = Mosquitto.builder().tls(server).requireCertificate(true)
                .config("listener " + wssPort + " 127.0.0.1").config("protocol websockets")
                .config("cafile " + pki.caCert()).config("certfile " + server.cert()).config("keyfile " + server.key())
                .config("require_certificate false")
                .config("listener " + wsPort + " 127.0.0.1").config("protocol websockets")
                .start();
        alpnFront = new TlsFront(server, pki.caCertificate(), mosquitto.port(), "x-amzn-mqtt-ca");
        customAuthFront = new TlsFront(server, null, mosquitto.port(), "mqtt");
        sigv4Front = new TlsFront(server, null, wsPort).httpGate(TransportsTest::checkSignature);
    }

    /** The SigV4 front's decision: verify the presigned request with the independent implementation. */
    private static String checkSignature(String head) {
        String requestLine = head.split("\r\n", 2)[0];
        String target = requestLine.split(" ")[1];
        signedRequests.add(target);
        try {
            String problem = IndependentSigV4.verify("localhost", target, accepted);
            return problem == null ? null : "403 Forbidden";
        } catch (Exception e) {
            return "500 Internal Server Error";
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {alpnFront, customAuthFront, sigv4Front, mosquitto}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @AfterEach
    void closeAll() {
        connections.forEach(MqttConnection::close);
        connections.clear();
        socketsOf.clear();
    }

    private static Map<String, Object> config(String transport, int port) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", transport);
        m.put("transport", transport);
        m.put("endpoint", "localhost");
        m.put("port", port);
        m.put("client.id", transport + "-" + System.nanoTime());
        m.put("ca.file", pki.caCert().toString());
        m.put("reconnect.backoff.base.ms", 100L);
        m.put("reconnect.backoff.max.ms", 800L);
        m.put("connect.timeout", 5);
        m.put("operation.timeout", 10);
        return m;
    }

    private static Map<String, Object> withDevice(Map<String, Object> m) {
        m.put("cert.file", device.cert().toString());
        m.put("key.file", device.key().toString());
        return m;
    }

    private static Map<String, Object> sigv4(int port) {
        Map<String, Object> m = config("wss-sigv4", port);
        m.put("aws.region", "eu-west-1");
        return m;
    }

    private static Environment env(Clock clock) {
        return Environment.of(Map.of(), dir.resolve("home").toString(), clock);
    }

    private MqttConnection open(Map<String, Object> config, Environment environment) {
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(config), environment);
        List<java.net.Socket> created = new CopyOnWriteArrayList<>();
        MqttConnection c = new MqttConnection(s, RecordingSocketFactory.wrap(TlsSetup.socketFactory(s), created),
                new MemorySpool(), "test");
        socketsOf.put(c, created);
        connections.add(c);
        c.start();
        return c;
    }

    private MqttConnection open(Map<String, Object> config) {
        return open(config, env(Clock.systemUTC()));
    }

    private static void roundTrip(MqttConnection c) throws Exception {
        Conditions.await("connected (" + c + ")", WAIT, () -> c.state() == ConnectionState.CONNECTED,
                () -> "mosquitto log:\n" + tail(mosquitto.log()));
        String topic = "transports/" + c.clientId();
        Collector collector = new Collector();
        c.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, collector);
        c.publishAndWait(topic, ("over " + c.settings().transport.id).getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("over " + c.settings().transport.id, collector.next(WAIT).payloadAsString());
        // the socket Paho connected has TCP_NODELAY, whatever the transport (TLS, WebSocket, ALPN, proxy tunnel):
        // without it a request/response waits for Nagle and the peer's delayed ACK (~40 ms on Linux). (Not checked:
        // how many are open: after a dropped wss connection Paho 1.2.5 can leave the old socket open.)
        List<java.net.Socket> open = socketsOf.get(c).stream().filter(so -> so.isConnected() && !so.isClosed()).toList();
        assertFalse(open.isEmpty(), "no connected socket recorded for " + c.settings().transport.id);
        for (java.net.Socket so : open) {
            assertTrue(so.getTcpNoDelay(), "TCP_NODELAY on the connected socket of " + c.settings().transport.id + ": "
                    + so);
        }
    }

    private static String tail(String log) {
        return log.length() < 3000 ? log : log.substring(log.length() - 3000);
    }

    private static TlsFront.Connection last(TlsFront front) {
        return front.connections.get(front.connections.size() - 1);
    }

    // ------------------------------------------------------------------ ALPN on 443

    @Test
    void mqttsAlpn443OffersAndNegotiatesXAmznMqttCaWithTheDeviceCertificate() throws Exception {
        MqttConnection c = open(withDevice(config("mqtts-alpn-443", alpnFront.port())));
        roundTrip(c);
        TlsFront.Connection seen = last(alpnFront);
        assertEquals(List.of("x-amzn-mqtt-ca"), seen.offered, seen.toString());
        assertEquals("x-amzn-mqtt-ca", seen.negotiated, seen.toString());
        assertTrue(seen.clientSubject.contains("CN=transport-device"), seen.toString());
    }

    @Test
    void mqttsAlpn443WithAPkcs12KeystoreAgainstMosquittoTls() throws Exception {
        Path p12 = dir.resolve("device.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("gateway-key", device.privateKey(), "st0re".toCharArray(),
                device.chain().toArray(new X509Certificate[0]));
        try (OutputStream out = Files.newOutputStream(p12)) {
            store.store(out, "st0re".toCharArray());
        }
        Map<String, Object> m = config("mqtts-alpn-443", mosquitto.tlsPort());
        m.put("keystore.file", p12.toString());
        m.put("keystore.password", "st0re");
        m.put("keystore.alias", "gateway-key");
        roundTrip(open(m));
    }

    // ------------------------------------------------------------------ WebSocket with SigV4

    @Test
    void wssSigV4AgainstMosquittosWebSocketListener() throws Exception {
        Map<String, Object> m = sigv4(wssPort);
        m.put("aws.access.key.id", KEY_C);
        m.put("aws.secret.access.key", SECRET_C);
        m.put("aws.session.token", SESSION_TOKEN);
        roundTrip(open(m));
    }

    /** A clock one second further on every call: every signature has its own X-Amz-Date. */
    private static Clock ticking() {
        AtomicLong seconds = new AtomicLong(Instant.now().getEpochSecond());
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochSecond(seconds.incrementAndGet());
            }
        };
    }

    private static void assertExactlyWhatTheIndependentSignerProduces(String target, String keyId, String secret,
            String token) throws Exception {
        String date = target.replaceAll(".*X-Amz-Date=(\\d{8}T\\d{6}Z).*", "$1");
        ZonedDateTime time = ZonedDateTime.parse(date, DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX"));
        String expected = IndependentSigV4.iotUrl("localhost", 0, "eu-west-1", keyId, secret, token, time);
        URI uri = new URI(expected);
        assertEquals(uri.getRawPath() + "?" + uri.getRawQuery(), target, "the request line Paho sent");
    }

    @Test
    void wssSigV4SignsEveryReconnectAnewAndPicksUpRotatedCredentials() throws Exception {
        Path credentials = dir.resolve("rotating-credentials");
        Files.writeString(credentials, "[plant]\naws_access_key_id = " + KEY_A + "\naws_secret_access_key = " + SECRET_A
                + "\n");
        accepted.clear();
        accepted.put(KEY_A, SECRET_A);
        Map<String, Object> m = sigv4(sigv4Front.port());
        m.put("aws.profile", "plant");
        m.put("aws.credentials.file", credentials.toString());
        Environment environment = env(ticking());
        MqttConnection c = open(m, environment);
        roundTrip(c);
        String first = signedRequests.get(signedRequests.size() - 1);
        assertTrue(first.contains("X-Amz-Credential=" + KEY_A + "%2F"), first);
        assertExactlyWhatTheIndependentSignerProduces(first, KEY_A, SECRET_A, null);

        // the file is rotated (say by a credentials agent) and the old key revoked; the next reconnect uses the new one
        Files.writeString(credentials, "[plant]\naws_access_key_id = " + KEY_B + "\naws_secret_access_key = " + SECRET_B
                + "\naws_session_token = " + SESSION_TOKEN + "\n");
        accepted.clear();
        accepted.put(KEY_B, SECRET_B);
        int before = signedRequests.size();
        sigv4Front.dropConnections();
        Conditions.await("reconnected with the rotated key", WAIT, () -> c.state() == ConnectionState.CONNECTED
                && signedRequests.size() > before);
        roundTrip(c);
        String second = signedRequests.get(signedRequests.size() - 1);
        assertTrue(second.contains("X-Amz-Credential=" + KEY_B + "%2F"), second);
        assertTrue(second.endsWith("&X-Amz-Security-Token=" + IndependentSigV4.encode(SESSION_TOKEN)), second);
        assertExactlyWhatTheIndependentSignerProduces(second, KEY_B, SECRET_B, SESSION_TOKEN);
        assertFalse(first.equals(second));

        // credentials changed in the configuration (ConfigAdmin update) are used at once
        Map<String, Object> updated = new HashMap<>(m);
        updated.put("aws.access.key.id", KEY_C);
        updated.put("aws.secret.access.key", SECRET_C);
        accepted.put(KEY_C, SECRET_C);
        accepted.remove(KEY_B);
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(updated), environment);
        int beforeUpdate = signedRequests.size();
        c.reconfigure(s, TlsSetup.socketFactory(s), null);
        Conditions.await("reconnected with the configured key", WAIT, () -> c.state() == ConnectionState.CONNECTED
                && signedRequests.size() > beforeUpdate);
        assertTrue(signedRequests.get(signedRequests.size() - 1).contains("X-Amz-Credential=" + KEY_C + "%2F"));
        roundTrip(c);
    }

    @Test
    void missingOrExpiredCredentialsRetryWithBackoffUntilTheyAppear() throws Exception {
        Path credentials = dir.resolve("late-credentials");
        AtomicInteger lookups = new AtomicInteger();
        Environment counting = new Environment(name -> {
            if (name.equals(AwsCredentialsChain.ENV_ACCESS_KEY)) {
                lookups.incrementAndGet(); // once per connection attempt
            }
            return null;
        }, dir.toString(), Clock.systemUTC());
        accepted.put(KEY_A, SECRET_A);
        Map<String, Object> m = sigv4(sigv4Front.port());
        m.put("aws.credentials.file", credentials.toString());
        try (LogCapture log = new LogCapture()) {
            long start = System.nanoTime();
            MqttConnection c = open(m, counting);
            Thread.sleep(1500);
            int attempts = lookups.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            // backoff 100, 200, 400, 800, 800 ms: about 5 attempts in 1.5 s, never a tight loop
            assertTrue(attempts >= 2 && attempts <= 8, attempts + " attempts in " + seconds + " s");
            assertTrue(log.text().contains("aws.access.key.id: no AWS credentials found for wss-sigv4"), log.text());
            assertTrue(log.text().contains(credentials + " (aws.credentials.file) does not exist"), log.text());

            Files.writeString(credentials, "[default]\naws_access_key_id=" + KEY_A + "\naws_secret_access_key="
                    + SECRET_A + "\naws_session_token=" + SESSION_TOKEN + "\naws_expiration=2020-01-01T00:00:00Z\n");
            Conditions.await("expiry reported", WAIT, () -> log.text().contains("expired at 2020-01-01T00:00:00Z"));
            assertTrue(log.text().contains("aws.credentials.file: the AWS credentials AKIA...EYAA from profile 'default'"),
                    log.text());

            Files.writeString(credentials, "[default]\naws_access_key_id=" + KEY_A + "\naws_secret_access_key="
                    + SECRET_A + "\n");
            roundTrip(c);
            for (String secret : new String[] {SECRET_A, SESSION_TOKEN}) {
                assertFalse(log.text().contains(secret), "a secret in the log");
            }
        }
    }

    @Test
    void aRefusedSignatureIsReportedWithWhatToCheck() throws Exception {
        Map<String, Object> m = sigv4(sigv4Front.port());
        m.put("aws.access.key.id", "AKIANOTACCEPTED0");
        m.put("aws.secret.access.key", "n0t-accepted-secret");
        m.put("aws.session.token", "exp1red-session-token");
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(m), env(Clock.systemUTC()));
        MqttConnection c = new MqttConnection(s, TlsSetup.socketFactory(s), new MemorySpool(), "test");
        connections.add(c);
        c.addStateListener(events::add);
        c.start();
        Conditions.await("a failed attempt", WAIT, () -> events.stream().anyMatch(e -> e.cause().isPresent()));
        String cause = chain(events.stream().filter(e -> e.cause().isPresent()).findFirst().get().cause().get());
        assertTrue(cause.contains("the server refused the WebSocket upgrade of wss://localhost:" + sigv4Front.port()
                + "/mqtt: 'HTTP/1.1 403 Forbidden'"), cause);
        assertTrue(cause.contains("AKIA...TED0 from the configuration (aws.access.key.id)"), cause);
        assertFalse(cause.contains("n0t-accepted-secret") || cause.contains("exp1red-session-token"), cause);
    }

    // ------------------------------------------------------------------ custom authorizers

    @Test
    void customAuthorizerOverTlsOffersAlpnMqttAndSendsTheAssembledUserName() throws Exception {
        Map<String, Object> m = config("custom-auth", customAuthFront.port());
        m.put("custom.auth.name", "plant-authorizer");
        m.put("custom.auth.token.key.name", "plantToken");
        m.put("custom.auth.token.value", "tok-123");
        m.put("custom.auth.token.signature", "c2ln+/==");
        m.put("username", "gw17");
        m.put("password", "custom-auth-password");
        MqttConnection c = open(m);
        roundTrip(c);
        TlsFront.Connection seen = last(customAuthFront);
        assertEquals(List.of("mqtt"), seen.offered, seen.toString());
        assertEquals("mqtt", seen.negotiated);
        String expected = "u'gw17?x-amz-customauthorizer-name=plant-authorizer&plantToken=tok-123"
                + "&x-amz-customauthorizer-signature=c2ln%2B%2F%3D%3D&SDK=IoTGatewayBundles&Version=test'";
        Conditions.await("the user name in mosquitto's log", WAIT, () -> mosquitto.log().contains(expected),
                () -> tail(mosquitto.log()));
    }

    @Test
    void customAuthorizerOverWebSocket() throws Exception {
        Map<String, Object> m = config("custom-auth-wss", wssPort);
        m.put("custom.auth.name", "wss-authorizer");
        m.put("custom.auth.token.key.name", "token");
        m.put("custom.auth.token.value", "abc.def");
        roundTrip(open(m));
        String expected = "u'?x-amz-customauthorizer-name=wss-authorizer&token=abc.def&SDK=IoTGatewayBundles&Version=test'";
        Conditions.await("the user name in mosquitto's log", WAIT, () -> mosquitto.log().contains(expected),
                () -> tail(mosquitto.log()));
    }

    // ------------------------------------------------------------------ HTTP proxy

    @Test
    void everyTransportWorksThroughAnHttpProxy() throws Exception {
        accepted.put(KEY_C, SECRET_C);
        try (ConnectProxy proxy = new ConnectProxy()) {
            List<Map<String, Object>> configs = new ArrayList<>();
            configs.add(config("tcp", mosquitto.port()));
            configs.add(withDevice(config("mqtts", mosquitto.tlsPort())));
            configs.add(withDevice(config("mqtts-alpn-443", alpnFront.port())));
            Map<String, Object> wss = sigv4(sigv4Front.port());
            wss.put("aws.access.key.id", KEY_C);
            wss.put("aws.secret.access.key", SECRET_C);
            configs.add(wss);
            Map<String, Object> custom = config("custom-auth", customAuthFront.port());
            custom.put("custom.auth.name", "a");
            configs.add(custom);
            Map<String, Object> customWss = config("custom-auth-wss", wssPort);
            customWss.put("custom.auth.name", "a");
            configs.add(customWss);
            List<String> targets = new ArrayList<>();
            for (Map<String, Object> m : configs) {
                m.put("proxy.host", "127.0.0.1");
                m.put("proxy.port", proxy.port());
                targets.add("localhost:" + m.get("port"));
                roundTrip(open(m));
            }
            assertEquals(targets, proxy.targets);
            assertEquals(configs.size(), proxy.tunnels());
        }
    }

    @Test
    void aProxyRequiringAuthenticationOrRefusingGivesSpecificErrorsAndBackoff() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy().requireCredentials("gateway", "pr0xy-pa55")) {
            Map<String, Object> m = withDevice(config("mqtts", mosquitto.tlsPort()));
            m.put("proxy.host", "127.0.0.1");
            m.put("proxy.port", proxy.port());
            String cause = firstFailure(m);
            assertTrue(cause.contains("requires authentication for CONNECT localhost:" + mosquitto.tlsPort()
                    + " (407 Proxy Authentication Required, offers Basic): set proxy.username and proxy.password"), cause);

            m.put("proxy.username", "gateway");
            m.put("proxy.password", "wr0ng-pa55");
            closeAll(); // only the next connection's attempts count
            long start = System.nanoTime();
            int before = proxy.requests();
            cause = firstFailure(m);
            assertTrue(cause.contains("as user 'gateway' rejected the credentials"), cause);
            assertFalse(cause.contains("wr0ng-pa55"), cause);
            Thread.sleep(1000);
            int attempts = proxy.requests() - before;
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(attempts >= 2 && attempts <= 8, attempts + " attempts in " + seconds + " s: backoff applies");

            m.put("proxy.password", "pr0xy-pa55");
            closeAll();
            roundTrip(open(m));

            proxy.mode(ConnectProxy.Mode.REFUSE);
            cause = firstFailure(m);
            assertTrue(cause.contains("refused to open a tunnel to localhost:" + mosquitto.tlsPort()
                    + " (403 Forbidden)"), cause);
            assertFalse(cause.contains("pr0xy-pa55"), cause);
        }
    }

    private String firstFailure(Map<String, Object> config) throws Exception {
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(config), env(Clock.systemUTC()));
        MqttConnection c = new MqttConnection(s, TlsSetup.socketFactory(s), new MemorySpool(), "test");
        connections.add(c);
        c.addStateListener(events::add);
        c.start();
        Conditions.await("a failed attempt", WAIT, () -> events.stream().anyMatch(e -> e.cause().isPresent()));
        return chain(events.stream().filter(e -> e.cause().isPresent()).findFirst().get().cause().get());
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable x = t; x != null; x = x.getCause()) {
            sb.append(x).append(" / ");
        }
        return sb.toString();
    }

    @Test
    void secretsAppearNowhere() throws Exception {
        String[] secrets = {"SeCrEt-AwS-kEy", "SeCrEt-SeSsIoN-tOkEn", "SeCrEt-PrOxY-pW", "SeCrEt-KeYsToRe-Pw",
            "SeCrEt-ToKeN-vAlUe", "SeCrEt-SiGnAtUrE", "SeCrEt-MqTt-PaSsWoRd"};
        List<String> seen = new ArrayList<>();
        try (LogCapture log = new LogCapture(); ConnectProxy proxy = new ConnectProxy().requireCredentials("u", "other")) {
            Map<String, Object> wss = sigv4(sigv4Front.port());
            wss.put("aws.access.key.id", "AKIASECRETTEST00");
            wss.put("aws.secret.access.key", secrets[0]);
            wss.put("aws.session.token", secrets[1]);
            wss.put("proxy.host", "127.0.0.1");
            wss.put("proxy.port", proxy.port());
            wss.put("proxy.username", "u");
            wss.put("proxy.password", secrets[2]);
            wss.put("password", secrets[6]);
            seen.add(firstFailure(wss));
            proxy.requireCredentials("u", secrets[2]);
            seen.add(firstFailure(wss)); // now the front refuses the signature
            ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(wss), env(Clock.systemUTC()));
            seen.add(s.toString());
            seen.add(TlsSetup.proxy(s).toString());

            Map<String, Object> ks = config("mqtts", mosquitto.tlsPort());
            ks.put("keystore.file", pki.caCert().toString());
            ks.put("keystore.password", secrets[3]);
            try {
                TlsSetup.socketFactory(ConnectionSettings.from(ConfigProxy.connection(ks)));
            } catch (InvalidConfigurationException e) {
                seen.add(chain(e));
            }
            Map<String, Object> custom = config("custom-auth", customAuthFront.port());
            custom.put("custom.auth.token.key.name", "t");
            custom.put("custom.auth.token.value", secrets[4]);
            custom.put("custom.auth.token.signature", secrets[5]);
            custom.put("password", secrets[6]);
            ConnectionSettings cs = ConnectionSettings.from(ConfigProxy.connection(custom));
            seen.add(cs.toString());
            seen.add(cs.serverUri());
            MqttConnection c = open(custom);
            roundTrip(c);
            seen.add(c.toString());
            Thread.sleep(200);
            seen.add(log.text());
        }
        for (String text : seen) {
            for (String secret : secrets) {
                assertFalse(text.contains(secret), "'" + secret + "' in: " + text);
            }
        }
    }

    @Test
    void aClientWithoutAlpnIsRefusedOn443LikeAwsDoes() throws Exception {
        // the front really checks ALPN: plain mqtts (no ALPN) against it never connects
        List<ConnectionStateEvent> events = new CopyOnWriteArrayList<>();
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(withDevice(config("mqtts",
                alpnFront.port()))));
        MqttConnection c = new MqttConnection(s, TlsSetup.socketFactory(s), new MemorySpool(), "test");
        connections.add(c);
        c.addStateListener(events::add);
        c.start();
        Conditions.await("a failed attempt", WAIT, () -> events.stream().anyMatch(e -> e.cause().isPresent()));
        assertNull(last(alpnFront).negotiated);
        assertEquals(List.of(), last(alpnFront).offered);
    }
}
