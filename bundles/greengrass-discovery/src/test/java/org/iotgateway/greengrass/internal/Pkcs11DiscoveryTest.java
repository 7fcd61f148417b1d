package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.assertContains;
import static org.iotgateway.greengrass.internal.Support.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.X509KeyManager;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.DiscoveryUnauthorizedException;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DiscoveryCore;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.testsupport.LogCapture;
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

/**
 * Greengrass discovery and the core auto-connect with the device key in a PKCS#11 token: real SoftHSM tokens (keys
 * generated inside them, certificates issued by the test CA for the token's public keys), the emulator's discovery
 * endpoint requiring client certificates, its MQTT TLS listener as the core, real connections opened from the
 * configuration the auto-connect writes.
 */
class Pkcs11DiscoveryTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String CORE_ARN = "arn:aws:iot:eu-west-1:123456789012:thing/core-p11";
    private static final String HOSTILE_KEY = "k}\"= {x";

    @TempDir
    static Path dir;
    private static SoftHsm hsm;
    private static TestPki pki;
    private static Emulator emulator;
    private static KeyPair mainKey;
    private static Path library;

    @TempDir
    Path dataArea;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void tokensAndEmulator() throws Exception {
        hsm = SoftHsm.tokens();
        library = hsm.libraryPath();
        pki = TestPki.create(Files.createDirectories(dir.resolve("pki")), "Token Device CA");
        // the emulator's MQTT TLS listener (the core) accepts certificates of the test CA; its discovery endpoint
        // answers only for certificates it knows: register every token certificate
        emulator = Emulator.builder().certificateDirectory(Support.certificateDirectory("pkcs11"))
                .websocketPort(-1).trustClientCa(pki.caCert()).build().start();

        mainKey = hsm.generateKeyPair(Token.MAIN, "RSA");
        List<X509Certificate> mainChain = pki.certify("gateway-p11", mainKey.getPublic());
        hsm.storeCertificate(Token.MAIN, "device", mainKey.getPrivate(), mainChain);
        emulator.registerClientCertificate(mainChain.get(0));
        // an EC key whose certificate is in a file only (the token's one is unknown to the service)
        KeyPair renewed = hsm.generateKeyPair(Token.SECOND, "EC");
        TestPki stale = TestPki.create(Files.createDirectories(dir.resolve("stale")), "Stale CA");
        hsm.storeCertificate(Token.SECOND, "renewed", renewed.getPrivate(), stale.certify("stale", renewed.getPublic()));
        List<X509Certificate> renewedChain = pki.certify("gateway-renewed", renewed.getPublic());
        TestPki.writeCertificates(dir.resolve("renewed.pem"), renewedChain.toArray(new X509Certificate[0]));
        emulator.registerClientCertificate(renewedChain.get(0));
        for (Token t : new Token[] { Token.PIN_TEST, Token.HOSTILE }) {
            KeyPair k = hsm.generateKeyPair(t, "RSA");
            List<X509Certificate> chain = pki.certify("gateway-" + t.name().toLowerCase(), k.getPublic());
            hsm.storeCertificate(t, t == Token.HOSTILE ? HOSTILE_KEY : "device", k.getPrivate(), chain);
            emulator.registerClientCertificate(chain.get(0));
        }
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.stop();
        }
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** Discovery properties with the key in the token, no key file. */
    private static Map<String, Object> properties(Token token, String keyLabel) {
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.remove("cert.file");
        p.remove("key.file");
        p.put("pkcs11.library", library.toString());
        p.put("pkcs11.token.label", token.label);
        p.put("pkcs11.pin", token.pin);
        p.put("pkcs11.key.label", keyLabel);
        return p;
    }

    private DiscoveryClient client(Map<String, Object> p) {
        DiscoveryClient c = Support.client(p);
        closeables.add(c);
        return c;
    }

    private static String thing() {
        return "gw-p11-" + COUNTER.incrementAndGet();
    }

    private static DiscoveryGroup group(String id, Connectivity... entries) {
        return new DiscoveryGroup(id, List.of(new DiscoveryCore(CORE_ARN, List.of(entries))),
                List.of(emulator.certificates().caCertificatePem()));
    }

    private static String invalidProperty(Map<String, Object> p) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Support.discoverySettings(p));
        assertTrue(e.getMessage().length() < 600, "the message quotes an oversized value: " + e.getMessage());
        return e.property();
    }

    private static TlsMaterialException material(Map<String, Object> p) {
        DiscoverySettings s = Support.discoverySettings(p);
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.deviceKey(s, s));
        return assertInstanceOf(TlsMaterialException.class, e.getCause());
    }

    // ------------------------------------------------------------------ discovery over mutual TLS with a token key

    @Test
    void discoveryAuthenticatesWithTheKeyInTheToken() {
        String thing = thing();
        emulator.setDiscoveryGroups(thing, List.of(group("group-p11", Connectivity.of("127.0.0.1", 8883))));
        DiscoveryClient client = client(properties(Token.MAIN, "device"));
        DiscoveryResult r = client.discoverAndWait(thing);
        assertEquals("group-p11", r.groups().get(0).groupId());

        // what the TLS handshake signed with is the token's key handle: no encoding, not extractable
        X509KeyManager km = (X509KeyManager) client.deviceKey().keyManager;
        String alias = km.getClientAliases("RSA", null)[0];
        PrivateKey key = km.getPrivateKey(alias);
        assertNull(key.getEncoded(), "a token key has no encoding: the material never leaves the token");
        assertTrue(key.getClass().getName().contains("P11Key"), key.getClass().getName());
        assertTrue(key.toString().contains("token object") && key.toString().contains("unextractable"),
                key.toString());
        assertEquals(mainKey.getPublic(), km.getCertificateChain(alias)[0].getPublicKey());
        assertFalse(client.toString().contains(Token.MAIN.pin), client.toString());
    }

    @Test
    void certificateFromAFileWithTheKeyInTheToken() {
        String thing = thing();
        emulator.setDiscoveryGroups(thing, List.of(group("group-file", Connectivity.of("127.0.0.1", 8883))));
        Map<String, Object> p = properties(Token.SECOND, "renewed");
        p.put("cert.file", dir.resolve("renewed.pem").toString());
        assertEquals("group-file", client(p).discoverAndWait(thing).groups().get(0).groupId());

        // the token's own certificate for that key is one the service does not know
        p.remove("cert.file");
        DiscoveryUnauthorizedException e = assertInstanceOf(DiscoveryUnauthorizedException.class,
                Support.failure(client(p), thing));
        assertEquals(401, e.status());
    }

    @Test
    void hostileTokenLabelPinAndKeyLabelAreTakenLiterally() {
        String thing = thing();
        emulator.setDiscoveryGroups(thing, List.of(group("group-hostile", Connectivity.of("127.0.0.1", 8883))));
        // token label a}"= b{#, PIN with a newline, quote, brace and backslash, key label k}"= {x
        assertEquals("group-hostile", client(properties(Token.HOSTILE, HOSTILE_KEY)).discoverAndWait(thing).groups()
                .get(0).groupId());
    }

    // ------------------------------------------------------------------ the auto-connect carries the token over

    @Test
    void autoConnectWritesTheTokenSettingsAndTheConnectionToTheCoreUsesTheToken() throws Exception {
        String thing = thing();
        emulator.setDiscoveryGroups(thing, List.of(group("group-core", new Connectivity("core", "127.0.0.1",
                emulator.tlsPort(), "lan"))));
        DiscoveryClient discovery = client(properties(Token.MAIN, "device"));
        ConnectionFollower connection = new ConnectionFollower();
        closeables.add(connection);
        Map<String, Object> a = new HashMap<>();
        a.put("thing.name", thing);
        a.put("connect.timeout", 2);
        a.put("rediscovery.after.ms", 500L);
        a.put("retry.backoff.base.ms", 100L);
        a.put("retry.backoff.max.ms", 400L);
        long loginsBefore = Pkcs11Keys.loginRequests();
        AutoConnectEngine engine = new AutoConnectEngine(Support.autoConnectSettings(a), "pid-" + thing, discovery,
                discovery::deviceKey, new CaStore(dataArea.resolve("ca")), connection, connection::state,
                CoreProbe.TLS);
        closeables.add(0, engine);
        engine.start();
        await("a connection is opened from the written configuration", () -> connection.state().isPresent());
        // one login: the connection opened from the written configuration (ConnectionFollower opens it while the
        // configuration is written); the core was checked with the key discovery had loaded, without logging in
        assertEquals(1, Pkcs11Keys.loginRequests() - loginsBefore, "logins for checking the core and connecting");

        Map<String, Object> p = connection.last();
        assertEquals(library.toString(), p.get("pkcs11.library"));
        assertEquals(-1L, p.get("pkcs11.slot"));
        assertEquals(Token.MAIN.label, p.get("pkcs11.token.label"));
        assertEquals(Token.MAIN.pin, p.get("pkcs11.pin"));
        assertEquals("device", p.get("pkcs11.key.label"));
        assertEquals("", p.get("key.file"));
        assertEquals("", p.get("cert.file"));
        assertEquals("", p.get("keystore.file"));
        assertEquals(emulator.tlsPort(), p.get("port"));

        // the connection opened from exactly these properties (the mqtt bundle's code) connects with the token key
        await("the connection to the core is connected",
                () -> connection.state().orElse(null) == ConnectionState.CONNECTED);
        IoTConnection app = connection.app();
        await("the core lists the client", () -> emulator.connectedClients().stream()
                .anyMatch(c -> c.clientId().equals(thing)));
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        String topic = "plant/" + thing + "/p11";
        app.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, m -> received.add(m.payloadAsString()));
        app.publishAndWait(topic, "signed in the token".getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE);
        assertEquals("signed in the token", received.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void connectionPropertiesClearTheTokenSettingsForKeyFilesAndTheKeyFilesForATokenKey() {
        Map<String, Object> files = Support.discoverySettings(Support.discoveryProperties(emulator)).credentials
                .connectionProperties();
        assertEquals("", files.get("pkcs11.library"));
        assertEquals(-1L, files.get("pkcs11.slot"));
        assertEquals("", files.get("pkcs11.pin"));
        assertEquals("", files.get("pkcs11.token.label"));
        assertEquals("", files.get("pkcs11.key.label"));
        assertEquals(emulator.device("device").privateKeyFile().toString(), files.get("key.file"));

        Map<String, Object> token = properties(Token.SECOND, "renewed");
        token.remove("pkcs11.token.label");
        token.put("pkcs11.slot", hsm.slot(Token.SECOND));
        token.put("cert.file", dir.resolve("renewed.pem").toString());
        Credentials c = Support.discoverySettings(token).credentials;
        Map<String, Object> written = c.connectionProperties();
        assertEquals(hsm.slot(Token.SECOND), written.get("pkcs11.slot"));
        assertEquals("", written.get("pkcs11.token.label"));
        assertEquals(dir.resolve("renewed.pem").toString(), written.get("cert.file"));
        assertEquals("", written.get("key.file"));
        assertFalse(c.toString().contains(Token.SECOND.pin), c.toString());
        assertContains(c.toString(), "key 'renewed'");
    }

    // ------------------------------------------------------------------ PIN and absent token in the component

    @Test
    void aWrongPinIsReportedOnceAndNeverRetriedUntilTheConfigurationChanges() throws Exception {
        try (LogCapture log = new LogCapture()) {
            FakeBundleContext bundle = new FakeBundleContext(dataArea);
            DiscoveryComponent component = new DiscoveryComponent();
            component.recheckFirstDelayMillis = 20;
            component.recheckMaxDelayMillis = 50;
            closeables.add(component::deactivate);
            Map<String, Object> p = properties(Token.PIN_TEST, "device");
            p.put("pkcs11.pin", "0000-wrong");
            p.put("service.pid", DiscoveryComponent.FACTORY_PID + "~pin");
            long logins = Pkcs11Keys.loginRequests();
            component.activate(bundle.context(), ConfigProxy.of(DiscoveryConfig.class, p), p);
            Thread.sleep(1000); // re-checking every 50 ms would have tried 20 times
            // an update with the same values (e.g. saved again unchanged) does not try the PIN again either
            component.modified(ConfigProxy.of(DiscoveryConfig.class, p), p);
            Thread.sleep(200);
            assertEquals(1, Pkcs11Keys.loginRequests() - logins, "login attempts with the wrong PIN");
            assertTrue(bundle.registrations.isEmpty());
            assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive()
                    && t.getName().startsWith(DiscoveryComponent.RECHECK_THREAD + DiscoveryComponent.FACTORY_PID
                            + "~pin")), "no re-check thread");
            String text = log.text();
            assertEquals(2, text.split("refused the PIN", -1).length - 1, "once per configuration update: " + text);
            assertContains(text, "pkcs11.pin");
            assertContains(text, "waiting for a configuration change");
            assertFalse(text.contains("0000-wrong"), "the PIN was logged: " + text);

            // the right PIN: the service appears and discovers with the token key
            p.put("pkcs11.pin", Token.PIN_TEST.pin);
            component.modified(ConfigProxy.of(DiscoveryConfig.class, p), p);
            assertEquals(2, Pkcs11Keys.loginRequests() - logins);
            assertEquals(1, bundle.registrations.size());
            String thing = thing();
            emulator.setDiscoveryGroups(thing, List.of(group("group-pin", Connectivity.of("127.0.0.1", 8883))));
            GreengrassDiscovery service = (GreengrassDiscovery) bundle.registrations.get(0).service;
            assertEquals("group-pin", service.discoverAndWait(thing).groups().get(0).groupId());
            assertFalse(log.text().contains(Token.PIN_TEST.pin), "the PIN was logged");
        }
    }

    @Test
    void anAbsentTokenWaitsAndIsCheckedAgainWithoutLoggingIn() throws Exception {
        try (LogCapture log = new LogCapture()) {
            FakeBundleContext bundle = new FakeBundleContext(dataArea);
            DiscoveryComponent component = new DiscoveryComponent();
            component.recheckFirstDelayMillis = 20;
            component.recheckMaxDelayMillis = 100;
            closeables.add(component::deactivate);
            Map<String, Object> p = properties(Token.MAIN, "device");
            p.put("pkcs11.token.label", "usb-hsm");
            p.put("service.pid", DiscoveryComponent.FACTORY_PID + "~absent");
            long logins = Pkcs11Keys.loginRequests();
            component.activate(bundle.context(), ConfigProxy.of(DiscoveryConfig.class, p), p);
            assertTrue(bundle.registrations.isEmpty());
            String name = DiscoveryComponent.RECHECK_THREAD + DiscoveryComponent.FACTORY_PID + "~absent";
            await("re-checking for the token", () -> Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.isAlive() && t.getName().equals(name)));
            Thread.sleep(500); // several re-checks, logged once
            assertEquals(0, Pkcs11Keys.loginRequests() - logins, "no login without a token");
            String text = log.text();
            assertEquals(1, text.split("TLS material not usable", -1).length - 1, text);
            assertContains(text, "pkcs11.token.label");
            assertContains(text, "usb-hsm");
            assertContains(text, "'" + Token.MAIN.label + "'"); // the labels that are there

            p.put("pkcs11.token.label", Token.MAIN.label);
            component.modified(ConfigProxy.of(DiscoveryConfig.class, p), p);
            assertEquals(1, bundle.registrations.size());
            component.deactivate();
            assertTrue(bundle.registrations.get(0).unregistered);
            await("the re-check thread ends", () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.isAlive() && t.getName().equals(name)));
        }
    }

    @Test
    void filesProvisionedLaterArePickedUpWithoutAConfigurationChange() throws Exception {
        FakeBundleContext bundle = new FakeBundleContext(dataArea);
        DiscoveryComponent component = new DiscoveryComponent();
        component.recheckFirstDelayMillis = 20;
        component.recheckMaxDelayMillis = 100;
        closeables.add(component::deactivate);
        Map<String, Object> p = Support.discoveryProperties(emulator);
        Path cert = dataArea.resolve("later/device.pem.crt");
        Path key = dataArea.resolve("later/device.pem.key");
        p.put("cert.file", cert.toString());
        p.put("key.file", key.toString());
        p.put("service.pid", DiscoveryComponent.FACTORY_PID + "~later");
        component.activate(bundle.context(), ConfigProxy.of(DiscoveryConfig.class, p), p);
        assertTrue(bundle.registrations.isEmpty());
        Thread.sleep(200);
        Files.createDirectories(cert.getParent());
        Files.copy(emulator.device("device").certificateFile(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(emulator.device("device").privateKeyFile(), key, StandardCopyOption.REPLACE_EXISTING);
        await("the service appears", () -> bundle.registrations.size() == 1);
        String thing = thing();
        emulator.setDiscoveryGroups(thing, List.of(group("group-later", Connectivity.of("127.0.0.1", 8883))));
        assertEquals("group-later", ((GreengrassDiscovery) bundle.registrations.get(0).service)
                .discoverAndWait(thing).groups().get(0).groupId());
    }

    // ------------------------------------------------------------------ configuration errors, hostile values

    @Test
    void conflictsWithKeyFilesAndKeystoresAndBetweenSlotAndLabelAreNamed() {
        Map<String, Object> keyFile = properties(Token.MAIN, "device");
        keyFile.put("key.file", emulator.device("device").privateKeyFile().toString());
        keyFile.put("cert.file", emulator.device("device").certificateFile().toString());
        assertEquals("key.file", invalidProperty(keyFile));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Support.discoverySettings(keyFile));
        // word for word the connection's message
        assertEquals("key.file: pkcs11.library (key in a PKCS#11 token) and key.file both name a private key: set one "
                + "of them", e.getMessage());

        Map<String, Object> keystore = properties(Token.MAIN, "device");
        keystore.put("keystore.file", dir.resolve("device.p12").toString());
        assertEquals("keystore.file", invalidProperty(keystore));

        Map<String, Object> both = properties(Token.MAIN, "device");
        both.put("pkcs11.slot", 3L);
        assertEquals("pkcs11.slot", invalidProperty(both));

        Map<String, Object> noKeyLabel = properties(Token.MAIN, "");
        assertEquals("pkcs11.key.label", invalidProperty(noKeyLabel));

        Map<String, Object> negative = properties(Token.MAIN, "device");
        negative.remove("pkcs11.token.label");
        negative.put("pkcs11.slot", -7L);
        assertEquals("pkcs11.slot", invalidProperty(negative));

        // no key at all: the message names the token settings as one of the choices
        Map<String, Object> none = properties(Token.MAIN, "device");
        none.remove("pkcs11.library");
        e = assertThrows(InvalidConfigurationException.class, () -> Support.discoverySettings(none));
        assertEquals("cert.file", e.property());
        assertContains(e.getMessage(), "pkcs11.library");
    }

    @Test
    void oversizedAndHostileValuesAreRefusedNamingTheProperty() {
        String[][] cases = { { "pkcs11.token.label", "x".repeat(33) }, { "pkcs11.pin", "1".repeat(257) },
                { "pkcs11.key.label", "k".repeat(1025) }, { "pkcs11.library", "/" + "l".repeat(5000) },
                // what would end the quoted library path in the provider configuration, or be expanded there
                { "pkcs11.library", "/tmp/x\"\nshowInfo = true\nlibrary = \"/tmp/y" },
                { "pkcs11.library", "${user.home}/lib.so" },
                { "pkcs11.library", "/tmp/a\\b.so" },
                // control characters in labels
                { "pkcs11.token.label", "x\"\nslot = 0\n" }, { "pkcs11.key.label", "k}\"\nlibrary=/tmp/evil.so" },
                { "pkcs11.library", "/tmp/nul\0.so" } };
        for (String[] c : cases) {
            Map<String, Object> p = properties(Token.MAIN, "device");
            p.put(c[0], c[1]);
            assertEquals(c[0], invalidProperty(p), c[0] + "=" + c[1]);
        }
        // a hostile key label without control characters is just a label that does not exist; the labels there
        // are get listed
        TlsMaterialException m = material(properties(Token.MAIN, "}\" library = /tmp/evil.so {"));
        assertEquals(TlsMaterialException.Reason.UNKNOWN_ALIAS, m.reason());
        assertEquals("pkcs11.key.label", m.setting());
        assertContains(m.getMessage(), "'device'");
    }

    @Test
    void badLibrariesAreNamed() throws Exception {
        Map<String, Object> p = properties(Token.MAIN, "device");
        p.put("pkcs11.library", dir.resolve("no-such-module.so").toString());
        TlsMaterialException e = material(p);
        assertEquals(TlsMaterialException.Reason.MISSING_FILE, e.reason());
        assertEquals("pkcs11.library", e.setting());
        assertTrue(e.recheckable(), "a module installed later is picked up");

        p.put("pkcs11.library", Files.writeString(dir.resolve("text.so"), "not a shared library\n").toString());
        e = material(p);
        assertEquals("pkcs11.library", e.setting());
        assertContains(e.getMessage(), "is not a PKCS#11 module");
    }
}
