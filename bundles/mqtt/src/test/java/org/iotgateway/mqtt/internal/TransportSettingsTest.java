package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.net.SocketFactory;

import org.iotgateway.testsupport.TestPki;
import org.iotgateway.tls.SafeSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation and derived values of the transport settings: URIs, user names, region, proxy, TLS options. */
class TransportSettingsTest {

    static final String AWS_ENDPOINT = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";

    @TempDir
    static Path dir;

    private static TestPki pki;

    @org.junit.jupiter.api.BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    private static TestPki.Issued device(String name) {
        return pki.client(name, TestPki.KeyType.EC, TestPki.KeyFormat.PKCS8);
    }

    private static Map<String, Object> base(String transport) {
        Map<String, Object> m = new HashMap<>();
        m.put("transport", transport);
        m.put("endpoint", AWS_ENDPOINT);
        m.put("port", 443);
        m.put("thing.name", "gateway-17");
        return m;
    }

    private static ConnectionSettings settings(Map<String, Object> m) {
        return ConnectionSettings.from(ConfigProxy.connection(m),
                Environment.of(Map.of(), "/nonexistent-home", Clock.systemUTC()));
    }

    private static void assertInvalid(Map<String, Object> m, String property, String text) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> settings(m));
        assertEquals(property, e.property(), e.getMessage());
        assertTrue(e.getMessage().contains(text), () -> "message '" + e.getMessage() + "' lacks '" + text + "'");
    }

    @Test
    void theRegionComesFromTheEndpointOrTheConfiguration() {
        assertEquals("eu-west-1", SigV4WebSocketUrl.regionOf(AWS_ENDPOINT));
        assertEquals("us-east-1", SigV4WebSocketUrl.regionOf("abc123.ats.iot.us-east-1.amazonaws.com"));
        assertEquals("cn-north-1", SigV4WebSocketUrl.regionOf("abc123.ats.iot.cn-north-1.amazonaws.com.cn"));
        assertEquals("us-gov-west-1", SigV4WebSocketUrl.regionOf("abc123-ats.iot.us-gov-west-1.amazonaws.com"));
        assertNull(SigV4WebSocketUrl.regionOf("mqtt.plant.example"));
        assertNull(SigV4WebSocketUrl.regionOf("localhost"));

        Map<String, Object> m = base("wss-sigv4");
        m.put("aws.access.key.id", "AKIAIOSFODNN7EXAMPLE");
        m.put("aws.secret.access.key", "secret");
        assertEquals("eu-west-1", settings(m).sigv4.region());
        m.put("aws.region", "ap-southeast-2");
        assertEquals("ap-southeast-2", settings(m).sigv4.region());
        m.put("aws.region", "Europe");
        assertInvalid(m, "aws.region", "not an AWS region");
        m.remove("aws.region");
        m.put("endpoint", "iot.plant.example");
        assertInvalid(m, "aws.region", "names none");
    }

    @Test
    void webSocketUrisForLogsNeverCarryTheQuery() {
        Map<String, Object> m = base("wss-sigv4");
        m.put("aws.access.key.id", "AKIAIOSFODNN7EXAMPLE");
        m.put("aws.secret.access.key", "s3cr3t-value");
        m.put("aws.session.token", "t0k3n-value");
        ConnectionSettings s = settings(m);
        assertEquals("wss://" + AWS_ENDPOINT + ":443/mqtt", s.serverUri());
        String connect = s.connectUri();
        assertTrue(connect.startsWith(s.serverUri() + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&"), connect);
        assertTrue(connect.endsWith("&X-Amz-Security-Token=t0k3n-value"), connect);
        assertFalse(s.toString().contains("t0k3n") || s.toString().contains("s3cr3t"), s.toString());

        Map<String, Object> ca = base("custom-auth-wss");
        ca.put("custom.auth.name", "plant-authorizer");
        assertEquals("wss://" + AWS_ENDPOINT + ":443/mqtt", settings(ca).serverUri());
        assertEquals(settings(ca).serverUri(), settings(ca).connectUri());
        Map<String, Object> alpn = base("mqtts-alpn-443");
        alpn.put("cert.file", "/etc/iot/c.pem");
        alpn.put("key.file", "/etc/iot/k.pem");
        assertEquals("ssl://" + AWS_ENDPOINT + ":443", settings(alpn).connectUri());
        assertEquals(List.of("x-amzn-mqtt-ca"), settings(alpn).transport.alpn);
        assertEquals(List.of("mqtt"), settings(ca).transport.alpn.isEmpty() ? List.of("mqtt") : List.of());
        assertEquals(List.of("mqtt"), ConnectionSettings.Transport.CUSTOM_AUTH.alpn);
    }

    @Test
    void customAuthorizerUserNamesHaveOneQuestionMarkThenAmpersands() {
        Map<String, Object> m = base("custom-auth");
        m.put("custom.auth.name", "plant-authorizer");
        m.put("custom.auth.token.key.name", "plantToken");
        m.put("custom.auth.token.value", "eyJhbGciOi.payload.sig");
        m.put("custom.auth.token.signature", "ab+c/d==");
        m.put("metrics.enabled", false);
        assertEquals("?x-amz-customauthorizer-name=plant-authorizer&plantToken=eyJhbGciOi.payload.sig"
                + "&x-amz-customauthorizer-signature=ab%2Bc%2Fd%3D%3D", settings(m).effectiveUsername("1.0"));
        m.put("metrics.enabled", true);
        m.put("username", "device-17");
        assertEquals("device-17?x-amz-customauthorizer-name=plant-authorizer&plantToken=eyJhbGciOi.payload.sig"
                + "&x-amz-customauthorizer-signature=ab%2Bc%2Fd%3D%3D&SDK=IoTGatewayBundles&Version=1.0",
                settings(m).effectiveUsername("1.0"));
        m.put("username", "device-17?site=plant1");
        m.put("custom.auth.token.signature", "ab%2Bc");
        String user = settings(m).effectiveUsername("1.0");
        assertEquals("device-17?site=plant1&x-amz-customauthorizer-name=plant-authorizer&plantToken="
                + "eyJhbGciOi.payload.sig&x-amz-customauthorizer-signature=ab%2Bc&SDK=IoTGatewayBundles&Version=1.0", user);
        assertEquals(1, user.chars().filter(c -> c == '?').count());

        Map<String, Object> minimal = base("custom-auth-wss");
        minimal.put("custom.auth.name", "a");
        assertEquals("?x-amz-customauthorizer-name=a&SDK=IoTGatewayBundles&Version=2", settings(minimal)
                .effectiveUsername("2"));
        // other transports carry no authorizer fields even if configured
        Map<String, Object> mqtts = base("mqtts");
        mqtts.put("cert.file", "/c.pem");
        mqtts.put("key.file", "/k.pem");
        mqtts.put("custom.auth.name", "ignored");
        assertEquals("?SDK=IoTGatewayBundles&Version=2", settings(mqtts).effectiveUsername("2"));
    }

    @Test
    void customAuthorizerSettingsAreCheckedTogether() {
        Map<String, Object> m = base("custom-auth");
        assertInvalid(m, "custom.auth.name", "custom authorizer");
        m.put("custom.auth.token.key.name", "tok");
        assertInvalid(m, "custom.auth.token.value", "must be set together");
        m.remove("custom.auth.token.key.name");
        m.put("custom.auth.token.signature", "c2ln");
        m.put("custom.auth.name", "a");
        assertInvalid(m, "custom.auth.token.key.name", "signs a token");
        m.put("custom.auth.token.key.name", "bad name&x");
        m.put("custom.auth.token.value", "v");
        assertInvalid(m, "custom.auth.token.key.name", "not a token key name");
        Map<String, Object> userOnly = base("custom-auth");
        userOnly.put("username", "u");
        userOnly.put("password", "p");
        assertEquals("u?SDK=IoTGatewayBundles&Version=1", settings(userOnly).effectiveUsername("1"));
    }

    @Test
    void certificateTransportsNeedCertificatesOrAKeystoreButNotBoth() {
        Map<String, Object> m = base("mqtts-alpn-443");
        assertInvalid(m, "cert.file", "set cert.file and key.file, keystore.file, or tls.provider.target");
        m.put("keystore.file", "/etc/iot/device.p12");
        assertEquals("/etc/iot/device.p12", settings(m).keystoreFile.toString());
        m.put("cert.file", "/etc/iot/c.pem");
        m.put("key.file", "/etc/iot/k.pem");
        assertInvalid(m, "keystore.file", "not both");
        Map<String, Object> wss = base("wss-sigv4");
        wss.put("aws.region", "eu-west-1");
        assertNull(settings(wss).certFile, "wss-sigv4 needs no certificate");
    }

    @Test
    void proxySettingsAreValidated() throws Exception {
        Map<String, Object> m = base("custom-auth");
        m.put("custom.auth.name", "a");
        m.put("proxy.host", "http://proxy:3128");
        assertInvalid(m, "proxy.host", "not a host name");
        m.put("proxy.host", "proxy.plant.local:3128");
        assertInvalid(m, "proxy.host", "port in proxy.port");
        m.put("proxy.host", "proxy.plant.local");
        m.put("proxy.port", 0);
        assertInvalid(m, "proxy.port", "not a TCP port");
        m.put("proxy.port", 3128);
        m.put("proxy.password", "pr0xy-pw");
        assertInvalid(m, "proxy.username", "required when proxy.password");
        m.put("proxy.username", "gw");
        ConnectionSettings s = settings(m);
        assertTrue(s.proxied());
        assertEquals("proxy.plant.local", TlsSetup.proxy(s).host());
        assertTrue(s.toString().contains("via HTTP proxy proxy.plant.local:3128"), s.toString());
        assertFalse(s.toString().contains("pr0xy-pw"));
        assertFalse(TlsSetup.proxy(s).toString().contains("pr0xy-pw"));
        Map<String, Object> defaults = base("tcp");
        assertEquals(8080, settings(defaults).proxyPort);
        assertFalse(settings(defaults).proxied());
        try (java.net.Socket plain = TlsSetup.socketFactory(settings(defaults)).createSocket()) {
            assertTrue(plain.getTcpNoDelay(), "plain TCP sockets have TCP_NODELAY (no 40 ms Nagle/delayed-ACK stalls)");
        }
        defaults.put("proxy.host", "127.0.0.1");
        SocketFactory tunnelling = TlsSetup.socketFactory(settings(defaults));
        assertFalse(tunnelling instanceof javax.net.ssl.SSLSocketFactory);
    }

    @Test
    void tlsVersionsAndCipherSuitesAreConfigurableWithSafeDefaults() throws Exception {
        Map<String, Object> m = base("mqtts-alpn-443");
        m.put("endpoint", "localhost");
        m.put("ca.file", pki.caCert().toString());
        m.put("cert.file", device("tls-options").cert().toString());
        m.put("key.file", device("tls-options").key().toString());
        SafeSocketFactory f = (SafeSocketFactory) TlsSetup.socketFactory(settings(m));
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), f.protocols());
        try (java.net.Socket tls = f.createSocket()) {
            assertTrue(tls.getTcpNoDelay(), "TLS sockets have TCP_NODELAY");
        }
        assertEquals(List.of(), f.cipherSuites());
        assertEquals(List.of("x-amzn-mqtt-ca"), f.applicationProtocols());
        m.put("tls.protocols", "TLSv1.2");
        m.put("tls.cipher.suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        f = (SafeSocketFactory) TlsSetup.socketFactory(settings(m));
        assertEquals(List.of("TLSv1.2"), f.protocols());
        assertEquals(2, f.cipherSuites().size());
        m.put("tls.protocols", "TLSv1.1");
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.socketFactory(settings(m)));
        assertEquals("tls.protocols", e.property());
        assertTrue(e.getMessage().contains("obsolete"), e.getMessage());
        m.put("tls.protocols", "");
        assertInvalid(m, "tls.protocols", "is empty");
        m.put("tls.protocols", "TLSv1.3");
        m.put("tls.cipher.suites", "TLS_NOT_A_SUITE");
        e = assertThrows(InvalidConfigurationException.class, () -> TlsSetup.socketFactory(settings(m)));
        assertEquals("tls.cipher.suites", e.property());
    }

    @Test
    void keystoreProblemsNameTheSettingAndNeverThePassword() throws Exception {
        TestPki.Issued device = device("ks-device");
        Path p12 = dir.resolve("device.p12");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("device", device.privateKey(), "K3yst0re-pw".toCharArray(),
                device.chain().toArray(new java.security.cert.X509Certificate[0]));
        try (var out = Files.newOutputStream(p12)) {
            ks.store(out, "K3yst0re-pw".toCharArray());
        }
        Map<String, Object> m = base("mqtts");
        m.put("endpoint", "localhost");
        m.put("keystore.file", p12.toString());
        m.put("keystore.password", "K3yst0re-pw");
        m.put("keystore.alias", "device");
        TlsSetup.socketFactory(settings(m));
        m.put("keystore.password", "wr0ng-pw");
        InvalidConfigurationException wrong = assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.socketFactory(settings(m)));
        assertEquals("keystore.password", wrong.property());
        assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("wr0ng-pw") || wrong.getMessage().contains("K3yst0re-pw"));
        m.put("keystore.password", "K3yst0re-pw");
        m.put("keystore.alias", "gateway");
        InvalidConfigurationException alias = assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.socketFactory(settings(m)));
        assertEquals("keystore.alias", alias.property());
        assertTrue(alias.getMessage().contains("no entry with alias 'gateway'"), alias.getMessage());
    }
}
