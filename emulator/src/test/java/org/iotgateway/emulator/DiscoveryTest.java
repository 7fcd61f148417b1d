package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The Greengrass discovery endpoint over mutual TLS. */
class DiscoveryTest extends EmulatorTestBase {

    private static HttpResponse<String> discover(SSLContext ctx, String thing) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(emulator.discoveryUrl()
                + "/greengrass/discover/thing/" + thing)).timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static SSLContext device() {
        return emulator.device("device").sslContext();
    }

    @Test
    void answersThePascalCaseDocumentForAKnownThing() throws Exception {
        String thing = unique("ggdevice");
        String ca = emulator.certificates().caCertificatePem();
        emulator.setDiscoveryGroups(thing, List.of(
                DiscoveryGroup.of("0f3b2c1a-1111-2222-3333-444455556666",
                        "arn:aws:iot:eu-west-1:123456789012:thing/core-1",
                        List.of(Connectivity.of("192.168.1.4", 8883),
                                new Connectivity("manual", "core.local", 443, "via ALPN")),
                        ca)));
        emulator.addDiscoveryGroup(thing, DiscoveryGroup.of("group-2",
                "arn:aws:iot:eu-west-1:123456789012:thing/core-2", List.of(Connectivity.of("10.0.0.2", 8883)), ca));

        HttpResponse<String> r = discover(device(), thing);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        JsonNode body = json(r.body());
        JsonNode expected = json("{\"GGGroups\":[{\"GGGroupId\":\"0f3b2c1a-1111-2222-3333-444455556666\","
                + "\"Cores\":[{\"thingArn\":\"arn:aws:iot:eu-west-1:123456789012:thing/core-1\",\"Connectivity\":["
                + "{\"Id\":\"AUTOIP_192.168.1.4_8883\",\"HostAddress\":\"192.168.1.4\",\"PortNumber\":8883,\"Metadata\":\"\"},"
                + "{\"Id\":\"manual\",\"HostAddress\":\"core.local\",\"PortNumber\":443,\"Metadata\":\"via ALPN\"}]}],"
                + "\"CAs\":[" + TestClient.JSON.writeValueAsString(ca) + "]},"
                + "{\"GGGroupId\":\"group-2\",\"Cores\":[{\"thingArn\":\"arn:aws:iot:eu-west-1:123456789012:thing/core-2\","
                + "\"Connectivity\":[{\"Id\":\"AUTOIP_10.0.0.2_8883\",\"HostAddress\":\"10.0.0.2\",\"PortNumber\":8883,"
                + "\"Metadata\":\"\"}]}],\"CAs\":[" + TestClient.JSON.writeValueAsString(ca) + "]}]}");
        assertEquals(expected, body);
    }

    @Test
    void unknownThingIs404() throws Exception {
        HttpResponse<String> r = discover(device(), unique("nogroup"));
        assertEquals(404, r.statusCode());
        json(r.body()).get("errorMessage").asText();
    }

    @Test
    void aCertificateTheEmulatorDoesNotKnowIs401() throws Exception {
        String thing = unique("gg401");
        emulator.setDiscoveryGroups(thing, List.of(DiscoveryGroup.of("g", "arn:aws:iot:eu-west-1:1:thing/c",
                List.of(Connectivity.of("127.0.0.1", 8883)))));
        // signed by the emulator's CA but no longer registered
        DeviceCredentials revoked = emulator.issueDeviceCertificate(unique("revoked"));
        assertEquals(200, discover(revoked.sslContext(), thing).statusCode());
        emulator.unregisterClientCertificate(revoked.certificate());
        assertEquals(401, discover(revoked.sslContext(), thing).statusCode());

        // self-signed, never seen
        assertEquals(401, discover(selfSigned(), thing).statusCode());
        // registering makes it known
        SSLContext foreign = selfSigned();
        X509Certificate cert = lastSelfSigned;
        emulator.registerClientCertificate(cert);
        assertEquals(200, discover(foreign, thing).statusCode());
    }

    @Test
    void noClientCertificateFailsTheHandshake() {
        SSLContext trustOnly = emulator.certificates().trustOnlySslContext();
        assertThrows(IOException.class, () -> discover(trustOnly, "anything"));
    }

    @Test
    void injectedThrottlingAndServerErrors() throws Exception {
        String thing = unique("gg429");
        emulator.setDiscoveryGroups(thing, List.of(DiscoveryGroup.of("g", "arn:aws:iot:eu-west-1:1:thing/c",
                List.of(Connectivity.of("127.0.0.1", 8883)))));
        emulator.failDiscovery(429, 2);
        HttpResponse<String> first = discover(device(), thing);
        assertEquals(429, first.statusCode());
        assertEquals("1", first.headers().firstValue("Retry-After").orElse(""));
        assertEquals(429, discover(device(), thing).statusCode());
        assertEquals(200, discover(device(), thing).statusCode());
        emulator.failDiscovery(500, 1);
        assertEquals(500, discover(device(), thing).statusCode());
        assertEquals(200, discover(device(), thing).statusCode());
    }

    private static X509Certificate lastSelfSigned;

    /** A TLS client context presenting a self-signed certificate the emulator never issued. */
    private static SSLContext selfSigned() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=stranger");
        Instant now = Instant.now();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)), name, kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        lastSelfSigned = cert;
        char[] pw = "pw".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", kp.getPrivate(), pw, new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(emulator.certificates().trustStore());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }
}
