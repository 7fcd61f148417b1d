package org.iotgateway.tls;

import static org.iotgateway.tls.Failures.assertFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import org.iotgateway.testsupport.TestPki;
import org.iotgateway.testsupport.TestPki.Issued;
import org.iotgateway.testsupport.TestPki.KeyFormat;
import org.iotgateway.testsupport.TestPki.KeyType;
import org.iotgateway.tls.TlsMaterialException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsContextsTest {

    private static final String KEY = "private key file";
    private static final String CERT = "certificate file";

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @Test
    void buildsWithEveryKeyFormat() {
        for (KeyFormat format : List.of(KeyFormat.PKCS1, KeyFormat.PKCS8)) {
            Issued device = pki.client("rsa-device", KeyType.RSA, format);
            assertNotNull(build(device));
        }
        for (KeyFormat format : List.of(KeyFormat.PKCS8, KeyFormat.SEC1, KeyFormat.SEC1_WITH_PARAMETERS)) {
            Issued device = pki.client("ec-device", KeyType.EC, format);
            assertNotNull(build(device));
        }
        Issued encrypted = pki.cert("enc-device").keyFormat(KeyFormat.ENCRYPTED_PKCS8).password("pw").issue();
        SSLContext context = TlsContexts.builder()
                .trustedCertificates(encrypted.caCert(), "ca.file")
                .clientCertificate(encrypted.cert(), "cert.file", encrypted.key(), "key.file")
                .keyPassword("pw".toCharArray())
                .build();
        assertEquals("TLS", context.getProtocol());
    }

    @Test
    void keyOfAnotherCertificateIsRejectedNamingBothFiles() {
        Issued device = pki.client("device1");
        Issued other = pki.client("device2");
        TlsMaterialException e = assertFails(Reason.KEY_MISMATCH, KEY, "key.file", other.key(),
                () -> TlsContexts.builder()
                        .clientCertificate(device.cert(), "cert.file", other.key(), "key.file").build(),
                "does not match the certificate", "CN=device1", CERT + " (cert.file) " + device.cert());
        assertTrue(e.getMessage().contains("CN=device1"));
    }

    @Test
    void keyOfAnotherAlgorithmIsRejected() {
        Issued rsa = pki.client("device1");
        Issued ec = pki.client("ec-device", KeyType.EC, KeyFormat.SEC1);
        assertFails(Reason.KEY_MISMATCH, KEY, "key.file", ec.key(),
                () -> TlsContexts.builder().clientCertificate(rsa.cert(), "cert.file", ec.key(), "key.file").build(),
                "the private key is an EC key", "RSA public key");
    }

    @Test
    void certificatesInTheWrongOrderAreExplained() throws Exception {
        TestPki intermediate = pki.intermediate("Order CA");
        Issued device = intermediate.client("ordered");
        Path reversed = dir.resolve("reversed-chain.pem");
        TestPki.writeCertificates(reversed, device.chain().get(1), device.chain().get(0));
        assertFails(Reason.KEY_MISMATCH, KEY, "key.file", device.key(),
                () -> TlsContexts.builder().clientCertificate(reversed, "cert.file", device.key(), "key.file").build(),
                "belongs to certificate #2", "must come first");
    }

    @Test
    void expiredDeviceCertificateIsAnErrorNamingNotAfter() {
        Issued expired = pki.cert("expired-device").expired().issue();
        String notAfter = expired.certificate().getNotAfter().toInstant().toString();
        assertFails(Reason.EXPIRED, CERT, "cert.file", expired.cert(), () -> build(expired),
                "CN=expired-device", "expired on " + notAfter, "(notAfter)");
    }

    @Test
    void notYetValidDeviceCertificateOnlyWarns() {
        Issued future = pki.cert("future-device").notYetValid().issue();
        assertNotNull(build(future));
    }

    @Test
    void validityIsCheckedAgainstTheConfiguredClock() {
        Issued device = pki.client("device1");
        Clock inTwoYears = Clock.offset(Clock.systemUTC(), Duration.ofDays(730));
        assertFails(Reason.EXPIRED, CERT, "cert.file", device.cert(), () -> TlsContexts.builder()
                .clock(inTwoYears)
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file").build(), "expired on");
        Clock epoch = Clock.fixed(java.time.Instant.EPOCH, ZoneOffset.UTC); // gateway booted without RTC
        assertNotNull(TlsContexts.builder().clock(epoch)
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file").build());
    }

    @Test
    void caFileErrorsNameTheCaSetting() throws Exception {
        Issued device = pki.client("device1");
        Path empty = Files.writeString(dir.resolve("empty-ca.pem"), "");
        assertFails(Reason.EMPTY, "CA file", "ca.file", empty, () -> TlsContexts.builder()
                .trustedCertificates(empty, "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file").build(), "empty");
        assertFails(Reason.NO_CERTIFICATES, "CA file", "ca.file", device.key(), () -> TlsContexts.builder()
                .trustedCertificates(device.key(), "ca.file").build(), "no CERTIFICATE block found");
    }

    @Test
    void variants() {
        assertNotNull(TlsContexts.builder().build(), "default trust store, no client certificate");
        assertNotNull(TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file").build(), "CA only");
        assertNotNull(TlsContexts.builder().trustedCertificates(List.of(pki.caCertificate()))
                .keyManagers(new KeyManager[0]).build(), "own key managers");
        assertNotNull(TlsContexts.builder().trustManagers(new TrustManager[0]).build(), "own trust managers");
        Issued device = pki.client("device1");
        assertThrows(IllegalStateException.class, () -> TlsContexts.builder()
                .clientCertificate(device.cert(), null, device.key(), null)
                .keyManagers(new KeyManager[0]).build());
        assertThrows(IllegalStateException.class, () -> TlsContexts.builder()
                .trustedCertificates(pki.caCert(), "ca.file")
                .trustManagers(new TrustManager[0]).build());
    }

    static SSLContext build(Issued device) {
        return TlsContexts.builder()
                .trustedCertificates(device.caCert(), "ca.file")
                .clientCertificate(device.cert(), "cert.file", device.key(), "key.file")
                .build();
    }
}
