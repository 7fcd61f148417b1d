package org.iotgateway.mqtt.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Provider;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.Conditions.Collector;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.testsupport.LogCapture;
import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.SoftHsm;
import org.iotgateway.testsupport.SoftHsm.Token;
import org.iotgateway.testsupport.TestPki;
import org.iotgateway.tls.Pkcs11Keys;
import org.iotgateway.tls.TlsMaterialException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;

/**
 * Device keys in a PKCS#11 token: real SoftHSM tokens (keys generated inside them, certificates issued by the test CA
 * for the token's public keys), real mosquitto requiring client certificates, real TLS.
 */
class Pkcs11Test {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    private static SoftHsm hsm;
    private static TestPki pki;
    private static Mosquitto mosquitto;
    private static KeyPair mainKey;
    private static Path fileCert;
    private static Path library;

    private final List<MqttConnection> connections = new ArrayList<>();
    private final List<ConnectionComponent> components = new ArrayList<>();

    @BeforeAll
    static void tokensAndBroker() throws Exception {
        hsm = SoftHsm.tokens();
        library = hsm.libraryPath();
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        TestPki other = TestPki.create(Files.createDirectories(dir.resolve("other")), "Untrusted CA");

        // MAIN: an RSA device key with its certificate in the token, and a key whose token certificate is from a CA
        // the broker does not trust (the good certificate is in a file)
        mainKey = hsm.generateKeyPair(Token.MAIN, "RSA");
        hsm.storeCertificate(Token.MAIN, "device", mainKey.getPrivate(), pki.certify("gateway-p11", mainKey.getPublic()));
        KeyPair second = hsm.generateKeyPair(Token.MAIN, "EC");
        hsm.storeCertificate(Token.MAIN, "renewed", second.getPrivate(), other.certify("stale", second.getPublic()));
        fileCert = dir.resolve("renewed.cert.pem");
        TestPki.writeCertificates(fileCert, pki.certify("gateway-renewed", second.getPublic())
                .toArray(new X509Certificate[0]));
        // a key that has no certificate at all
        hsm.generateKeyPair(Token.MAIN, "EC");

        // SECOND: an EC key, selected by slot id
        KeyPair ec = hsm.generateKeyPair(Token.SECOND, "EC");
        hsm.storeCertificate(Token.SECOND, "device-ec", ec.getPrivate(), pki.certify("gateway-ec", ec.getPublic()));
        // PIN_TEST and HOSTILE
        for (Token t : new Token[] { Token.PIN_TEST, Token.HOSTILE }) {
            KeyPair k = hsm.generateKeyPair(t, "RSA");
            hsm.storeCertificate(t, t == Token.HOSTILE ? "k}\"= {x" : "device", k.getPrivate(),
                    pki.certify("gateway-" + t.name().toLowerCase(), k.getPublic()));
        }

        mosquitto = Mosquitto.builder().tls(pki.server()).requireCertificate(true).start();
    }

    @AfterAll
    static void stopBroker() {
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @AfterEach
    void close() {
        connections.forEach(MqttConnection::close);
        components.forEach(c -> c.deactivate(4));
    }

    private Map<String, Object> config(Token token, String keyLabel) {
        Map<String, Object> m = new HashMap<>();
        m.put("connection.id", "p11");
        m.put("transport", "mqtts");
        m.put("endpoint", "localhost");
        m.put("port", mosquitto.tlsPort());
        m.put("client.id", "p11-" + System.nanoTime());
        m.put("ca.file", pki.caCert().toString());
        m.put("pkcs11.library", library.toString());
        m.put("pkcs11.token.label", token.label);
        m.put("pkcs11.pin", token.pin);
        m.put("pkcs11.key.label", keyLabel);
        m.put("reconnect.backoff.base.ms", 200L);
        m.put("reconnect.backoff.max.ms", 1000L);
        m.put("operation.timeout", 10);
        return m;
    }

    private MqttConnection open(Map<String, Object> config) {
        config.put("client.id", "p11-" + System.nanoTime());
        ConnectionSettings s = ConnectionSettings.from(ConfigProxy.connection(config));
        MqttConnection c = new MqttConnection(s, TlsSetup.socketFactory(s), new MemorySpool(), "test");
        connections.add(c);
        c.start();
        return c;
    }

    private static void exchange(IoTConnection c, String topic) throws Exception {
        Conditions.await("connected", WAIT, () -> c.state() == ConnectionState.CONNECTED);
        Collector collector = new Collector();
        c.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, collector);
        c.publishAndWait(topic, "from the token".getBytes(UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("from the token", collector.next(WAIT).payloadAsString());
    }

    private static InvalidConfigurationException invalid(Map<String, Object> config) {
        return assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.socketFactory(ConnectionSettings.from(ConfigProxy.connection(config))));
    }

    private static TlsMaterialException material(Map<String, Object> config) {
        InvalidConfigurationException e = invalid(config);
        assertTrue(e.getCause() instanceof TlsMaterialException, "not TLS material: " + e);
        return (TlsMaterialException) e.getCause();
    }

    // ------------------------------------------------------------------ it works, and the key stays in the token

    @Test
    void mutualTlsWithTheKeyAndCertificateInTheTokenSelectedByLabel() throws Exception {
        exchange(open(config(Token.MAIN, "device")), "p11/label");

        // the key the TLS key manager holds is the token's handle: not extractable, no encoding, a SunPKCS11 key
        Pkcs11Keys.TokenKey key = Pkcs11Keys.load(new Pkcs11Keys.Request(library, -1, Token.MAIN.label,
                Token.MAIN.pin.toCharArray(), "device"), this);
        try {
            assertNull(key.key().getEncoded(), "a token key has no encoding: the material never leaves the token");
            assertTrue(key.key().getClass().getName().contains("P11Key"), key.key().getClass().getName());
            assertTrue(key.key().toString().contains("token object") && key.key().toString().contains("unextractable"),
                    key.key().toString());
            assertEquals(mainKey.getPublic(), key.chain().get(0).getPublicKey());
        } finally {
            Pkcs11Keys.release(this);
        }
    }

    @Test
    void selectedBySlotIdWithAnEcKey() throws Exception {
        Map<String, Object> config = config(Token.SECOND, "device-ec");
        config.remove("pkcs11.token.label");
        config.put("pkcs11.slot", hsm.slot(Token.SECOND));
        exchange(open(config), "p11/slot");
    }

    @Test
    void certificateFromAFileOverridesTheTokenCertificate() throws Exception {
        // the token holds a certificate of a CA the broker does not trust: only the file's certificate gets in
        Map<String, Object> config = config(Token.MAIN, "renewed");
        config.put("cert.file", fileCert.toString());
        exchange(open(config), "p11/file");

        config.remove("cert.file");
        MqttConnection refused = open(config);
        Conditions.await("refused attempts", WAIT, () -> refused.state() == ConnectionState.DISCONNECTED
                || refused.state() == ConnectionState.CONNECTING);
        Thread.sleep(1500);
        assertFalse(refused.state() == ConnectionState.CONNECTED, "the token's untrusted certificate was accepted");

        // a file certificate of another key is refused before connecting, naming both sides
        config.put("cert.file", pki.client("someone-else").cert().toString());
        TlsMaterialException e = material(config);
        assertEquals(TlsMaterialException.Reason.KEY_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("key 'renewed'") && e.getMessage().contains("cert.file"), e.getMessage());
    }

    @Test
    void oneProviderPerLibraryAndSlotReusedAcrossReconfigurations() throws Exception {
        open(config(Token.MAIN, "device"));
        Map<String, Object> bySlot = config(Token.MAIN, "device");
        bySlot.remove("pkcs11.token.label");
        bySlot.put("pkcs11.slot", hsm.slot(Token.MAIN));
        open(bySlot);
        long before = registeredIotgwProviders();
        for (int i = 0; i < 5; i++) {
            open(config(Token.MAIN, "device"));
            open(bySlot);
        }
        assertEquals(before, registeredIotgwProviders(), Arrays.toString(Security.getProviders()));
        for (MqttConnection c : connections) {
            Conditions.await("connected", WAIT, () -> c.state() == ConnectionState.CONNECTED);
        }
    }

    private static long registeredIotgwProviders() {
        return Arrays.stream(Security.getProviders()).map(Provider::getName)
                .filter(n -> n.startsWith("SunPKCS11-iotgw-")).count();
    }

    // ------------------------------------------------------------------ PIN

    @Test
    void aWrongPinIsReportedOnceAndNeverRetried() throws Exception {
        try (LogCapture log = new LogCapture()) {
            FakeBundleContext bundle = new FakeBundleContext(Files.createDirectories(dir.resolve("wrong-pin")));
            ConnectionComponent component = new ConnectionComponent();
            component.recheckFirstDelayMillis = 20;
            component.recheckMaxDelayMillis = 50;
            Map<String, Object> properties = config(Token.PIN_TEST, "device");
            properties.put("pkcs11.pin", "0000-wrong");
            properties.put(Constants.SERVICE_PID, ConnectionComponent.FACTORY_PID + "~pin");
            long logins = Pkcs11Keys.loginRequests();
            component.activate(bundle.context(), ConfigProxy.connection(properties), properties);
            components.add(component);
            Thread.sleep(2000); // with re-checks every 50 ms, a retrying component would have tried 40 times
            assertEquals(1, Pkcs11Keys.loginRequests() - logins, "login attempts with the wrong PIN");
            assertTrue(bundle.live().isEmpty());
            String text = log.text();
            assertEquals(1, text.split("refused the PIN", -1).length - 1, text);
            assertTrue(text.contains("pkcs11.pin") && text.contains("waiting for a configuration change"), text);
            assertFalse(text.contains("0000-wrong"), "the PIN was logged: " + text);
            assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive()
                    && t.getName().startsWith(TlsMaterialWait.THREAD_NAME + ConnectionComponent.FACTORY_PID + "~pin")),
                    "no re-check thread");

            // the configuration change with the right PIN brings the connection up
            properties.put("pkcs11.pin", Token.PIN_TEST.pin);
            component.modified(ConfigProxy.connection(properties), properties);
            Conditions.await("service", WAIT, () -> bundle.live().size() == 1, log::text);
            exchange((IoTConnection) bundle.live().get(0).service, "p11/pin");
            assertFalse(log.text().contains(Token.PIN_TEST.pin), "the PIN was logged");
        }
    }

    @Test
    void aPinChangeInTheConfigurationIsCheckedEvenWhileTheTokenIsLoggedIn() throws Exception {
        exchange(open(config(Token.MAIN, "device")), "p11/logged-in");
        // the token is logged in for the process now; a wrong PIN must still be refused, not slip through
        Map<String, Object> wrong = config(Token.MAIN, "device");
        wrong.put("pkcs11.pin", "9999-wrong");
        TlsMaterialException e = material(wrong);
        assertEquals(TlsMaterialException.Reason.PIN_INCORRECT, e.reason());
        assertEquals("pkcs11.pin", e.setting());
        assertFalse(e.recheckable());
        assertFalse(e.getMessage().contains("9999-wrong"), e.getMessage());
        // and the right one works again
        exchange(open(config(Token.MAIN, "device")), "p11/logged-in-again");
    }

    @Test
    void hostileLabelsAndPinsAreTakenLiterallyNeverAsProviderConfiguration() throws Exception {
        // token label a}"= b{#, PIN with a newline, quote, brace and backslash, key label k}"= {x
        exchange(open(config(Token.HOSTILE, "k}\"= {x")), "p11/hostile");

        Map<String, Object> injected = config(Token.MAIN, "device");
        injected.put("pkcs11.token.label", "x\"\nslot = 0\n");
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> ConnectionSettings.from(ConfigProxy.connection(injected)));
        assertEquals("pkcs11.token.label", e.property());
        assertTrue(e.getMessage().contains("control characters") && e.getMessage().contains("\\u000a"), e.getMessage());

        Map<String, Object> library = config(Token.MAIN, "device");
        library.put("pkcs11.library", "/tmp/x\"\nshowInfo = true\nlibrary = \"/tmp/y");
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(library)));
        assertEquals("pkcs11.library", e.property());
        Map<String, Object> expanded = config(Token.MAIN, "device");
        expanded.put("pkcs11.library", "${user.home}/lib.so");
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(expanded)));
        assertEquals("pkcs11.library", e.property());

        Map<String, Object> keyLabel = config(Token.MAIN, "k}\"\nlibrary=/tmp/evil.so");
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(keyLabel)));
        assertEquals("pkcs11.key.label", e.property());

        // a hostile key label without control characters is simply a label that does not exist
        TlsMaterialException m = material(config(Token.MAIN, "}\" library = /tmp/evil.so {"));
        assertEquals(TlsMaterialException.Reason.UNKNOWN_ALIAS, m.reason());
        assertTrue(m.getMessage().contains("'device'"), "lists the labels there are: " + m.getMessage());
    }

    @Test
    void oversizedValuesAreRefusedNamingTheSetting() {
        String[][] cases = { { "pkcs11.token.label", "x".repeat(33) }, { "pkcs11.pin", "1".repeat(257) },
                { "pkcs11.key.label", "k".repeat(1025) }, { "pkcs11.library", "/" + "l".repeat(5000) } };
        for (String[] c : cases) {
            Map<String, Object> config = config(Token.MAIN, "device");
            config.put(c[0], c[1]);
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                    () -> ConnectionSettings.from(ConfigProxy.connection(config)), c[0]);
            assertEquals(c[0], e.property());
            assertTrue(e.getMessage().contains("longer than"), e.getMessage());
            assertTrue(e.getMessage().length() < 600, "message quotes the oversized value: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ configuration errors

    @Test
    void conflictsWithKeyFilesAndBetweenSlotAndLabelAreNamed() throws Exception {
        TestPki.Issued device = pki.client("conflict");
        Map<String, Object> keyFile = config(Token.MAIN, "device");
        keyFile.put("cert.file", device.cert().toString());
        keyFile.put("key.file", device.key().toString());
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> ConnectionSettings.from(ConfigProxy.connection(keyFile)));
        assertEquals("key.file", e.property());
        assertTrue(e.getMessage().contains("pkcs11.library") && e.getMessage().contains("key.file"), e.getMessage());

        Map<String, Object> keystore = config(Token.MAIN, "device");
        keystore.put("keystore.file", device.cert().toString());
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(keystore)));
        assertTrue(e.getMessage().contains("pkcs11.library") && e.getMessage().contains("keystore.file"), e.getMessage());

        Map<String, Object> both = config(Token.MAIN, "device");
        both.put("pkcs11.slot", 3L);
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(both)));
        assertEquals("pkcs11.slot", e.property());
        assertTrue(e.getMessage().contains("pkcs11.token.label"), e.getMessage());

        Map<String, Object> noKey = config(Token.MAIN, "");
        e = assertThrows(InvalidConfigurationException.class, () -> ConnectionSettings.from(ConfigProxy.connection(noKey)));
        assertEquals("pkcs11.key.label", e.property());
    }

    @Test
    void badLibrariesAreNamed() throws Exception {
        Map<String, Object> config = config(Token.MAIN, "device");
        config.put("pkcs11.library", dir.resolve("no-such-module.so").toString());
        TlsMaterialException e = material(config);
        assertEquals(TlsMaterialException.Reason.MISSING_FILE, e.reason());
        assertEquals("pkcs11.library", e.setting());
        assertTrue(e.getMessage().contains("no-such-module.so") && e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(e.recheckable(), "a module installed later is picked up");

        Path text = Files.writeString(dir.resolve("text.so"), "not a shared library\n");
        config.put("pkcs11.library", text.toString());
        e = material(config);
        assertEquals("pkcs11.library", e.setting());
        assertTrue(e.getMessage().contains("is not a PKCS#11 module"), e.getMessage());

        // a real shared library that is not a PKCS#11 module (the JVM's own zip library, already loaded)
        Path zip = Path.of(System.getProperty("java.home"), "lib", "libzip.so");
        assertTrue(Files.isRegularFile(zip), zip.toString());
        config.put("pkcs11.library", zip.toString());
        e = material(config);
        assertEquals("pkcs11.library", e.setting());
        assertTrue(e.getMessage().contains("is not a PKCS#11 module") && e.getMessage().contains("C_GetFunctionList"),
                e.getMessage());

        config.put("pkcs11.library", dir.toString());
        e = material(config);
        assertEquals(TlsMaterialException.Reason.NOT_A_FILE, e.reason());
    }

    @Test
    void unknownTokenLabelOrSlotIsAnAbsentTokenListingWhatIsThere() throws Exception {
        Map<String, Object> config = config(Token.MAIN, "device");
        config.put("pkcs11.token.label", "unplugged-hsm");
        TlsMaterialException e = material(config);
        assertEquals(TlsMaterialException.Reason.TOKEN_ABSENT, e.reason());
        assertEquals("pkcs11.token.label", e.setting());
        assertTrue(e.recheckable());
        assertTrue(e.getMessage().contains("'unplugged-hsm'") && e.getMessage().contains("'" + Token.MAIN.label + "'"),
                e.getMessage());

        config.remove("pkcs11.token.label");
        config.put("pkcs11.slot", 987654321L);
        e = material(config);
        assertEquals(TlsMaterialException.Reason.TOKEN_ABSENT, e.reason());
        assertEquals("pkcs11.slot", e.setting());
        assertTrue(e.getMessage().contains("987654321"), e.getMessage());
    }

    @Test
    void aMissingKeyOrAKeyWithoutCertificateIsNamed() throws Exception {
        // the token also holds a key without certificate (generated in the setup), which SunPKCS11 cannot see: the
        // message says that a certificate must be stored with the key
        TlsMaterialException e = material(config(Token.MAIN, "no-such-key"));
        assertEquals(TlsMaterialException.Reason.UNKNOWN_ALIAS, e.reason());
        assertEquals("pkcs11.key.label", e.setting());
        assertTrue(e.getMessage().contains("'no-such-key'") && e.getMessage().contains("'device'")
                && e.getMessage().contains("certificate"), e.getMessage());
        assertTrue(e.recheckable(), "a key provisioned later is picked up");
    }

    @Test
    void anAbsentTokenMakesTheConfigurationWaitNotFail() throws Exception {
        try (LogCapture log = new LogCapture()) {
            FakeBundleContext bundle = new FakeBundleContext(Files.createDirectories(dir.resolve("absent")));
            ConnectionComponent component = new ConnectionComponent();
            component.recheckFirstDelayMillis = 20;
            component.recheckMaxDelayMillis = 100;
            Map<String, Object> properties = config(Token.MAIN, "device");
            properties.put("pkcs11.token.label", "usb-hsm");
            properties.put(Constants.SERVICE_PID, ConnectionComponent.FACTORY_PID + "~absent");
            component.activate(bundle.context(), ConfigProxy.connection(properties), properties);
            components.add(component);
            assertTrue(bundle.live().isEmpty());
            String name = TlsMaterialWait.THREAD_NAME + ConnectionComponent.FACTORY_PID + "~absent";
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals(name)),
                    "re-checking for the token");
            Thread.sleep(500); // several re-checks: logged once
            String text = log.text();
            assertEquals(1, text.split("TLS material not usable", -1).length - 1, text);
            assertTrue(text.contains("pkcs11.token.label") && text.contains("usb-hsm"), text);
            assertFalse(text.contains("is invalid"), text);

            properties.put("pkcs11.token.label", Token.MAIN.label);
            component.modified(ConfigProxy.connection(properties), properties);
            Conditions.await("service", WAIT, () -> bundle.live().size() == 1, log::text);
            exchange((IoTConnection) bundle.live().get(0).service, "p11/absent");
            component.deactivate(4);
            components.remove(component);
            assertNotNull(bundle.registrations.get(0));
            assertTrue(bundle.live().isEmpty());
        }
    }
}
