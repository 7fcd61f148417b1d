package org.iotgateway.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Collectors;

import org.iotgateway.testsupport.TestPki.Issued;
import org.iotgateway.testsupport.TestPki.KeyFormat;
import org.iotgateway.testsupport.TestPki.KeyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    @TempDir
    Path dir;

    @Test
    void caAndServerCertificate() throws Exception {
        TestPki pki = TestPki.create(dir);
        X509Certificate ca = pki.caCertificate();
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        assertTrue(ca.getBasicConstraints() >= 0, "CA flag");
        ca.verify(ca.getPublicKey());
        assertTrue(Files.readString(pki.caCert()).startsWith("-----BEGIN CERTIFICATE-----\n"));

        Issued server = pki.server();
        server.certificate().verify(ca.getPublicKey());
        server.certificate().checkValidity();
        List<String> sans = server.certificate().getSubjectAlternativeNames().stream()
                .map(san -> san.get(0) + ":" + san.get(1)).collect(Collectors.toList());
        assertEquals(List.of("2:localhost", "7:127.0.0.1"), sans);
        assertTrue(Files.readString(server.key()).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertEquals(pki.caCert(), server.caCert());
    }

    @Test
    void keyFormatsLookLikeOpenSsl() throws Exception {
        TestPki pki = TestPki.create(dir);
        Issued rsa = pki.client("device1");
        assertTrue(Files.readString(rsa.key()).startsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
        assertTrue(Files.readString(rsa.writeKey(KeyFormat.PKCS8)).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(Files.readString(rsa.writeKey(KeyFormat.ENCRYPTED_PKCS8))
                .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));

        Issued ec = pki.client("device2", KeyType.EC, KeyFormat.SEC1);
        assertEquals("EC", ec.certificate().getPublicKey().getAlgorithm());
        assertTrue(Files.readString(ec.key()).startsWith("-----BEGIN EC PRIVATE KEY-----\n"));
        String withParameters = Files.readString(ec.writeKey(KeyFormat.SEC1_WITH_PARAMETERS));
        // byte for byte what "openssl ecparam -genkey -name prime256v1" prints first
        assertTrue(withParameters.startsWith("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
                + "-----END EC PARAMETERS-----\n-----BEGIN EC PRIVATE KEY-----\n"), withParameters);
        assertThrows(IllegalArgumentException.class, () -> rsa.writeKey(KeyFormat.SEC1));
        assertThrows(IllegalArgumentException.class, () -> ec.writeKey(KeyFormat.PKCS1));
    }

    @Test
    void keysAreReusedByNameAndFreshOnRequest() {
        TestPki pki = TestPki.create(dir);
        Issued a = pki.client("same-name");
        Issued b = pki.client("same-name");
        assertSame(a.keyPair(), b.keyPair());
        assertNotEquals(a.cert(), b.cert(), "second issue gets its own files");
        Issued fresh = pki.cert("same-name").freshKey().issue();
        assertNotEquals(a.certificate().getPublicKey(), fresh.certificate().getPublicKey());
        TestPki other = TestPki.create(dir, "Other CA");
        assertNotEquals(pki.caCertificate().getPublicKey(), other.caCertificate().getPublicKey());
        assertNotEquals(pki.caCert(), other.caCert());
    }

    @Test
    void intermediateChainAndValidity() throws Exception {
        TestPki root = TestPki.create(dir);
        TestPki intermediate = root.intermediate("Intermediate CA");
        Issued leaf = intermediate.client("chained");
        assertEquals(2, leaf.chain().size());
        assertEquals(2, Files.readString(leaf.cert()).split("-----BEGIN CERTIFICATE-----", -1).length - 1);
        leaf.certificate().verify(intermediate.caCertificate().getPublicKey());
        intermediate.caCertificate().verify(root.caCertificate().getPublicKey());
        assertEquals(root.caCert(), leaf.caCert());

        Issued expired = root.cert("old").expired().issue();
        assertThrows(CertificateExpiredException.class, () -> expired.certificate().checkValidity());
        Issued withCa = root.cert("with-ca").withCaInChain().issue();
        assertArrayEquals(root.caCertificate().getEncoded(), withCa.chain().get(1).getEncoded());
    }
}
