package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemCertificatesTest {

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @Test
    void singleCertificate() throws Exception {
        TestPki.Issued device = pki.client("device1");
        List<X509Certificate> certificates = Pem.readCertificates(device.cert(), "certificate file", "cert.file");
        assertEquals(1, certificates.size());
        assertArrayEquals(device.certificate().getEncoded(), certificates.get(0).getEncoded());
    }

    @Test
    void chainWithTwoCertificatesInFileOrder() throws Exception {
        TestPki.Issued device = pki.intermediate("Intermediate CA").client("chained");
        List<X509Certificate> certificates = Pem.readCertificates(device.cert(), "certificate file", "cert.file");
        assertEquals(2, certificates.size());
        assertArrayEquals(device.certificate().getEncoded(), certificates.get(0).getEncoded());
        assertArrayEquals(device.chain().get(1).getEncoded(), certificates.get(1).getEncoded());
    }

    @Test
    void crlfLineEndingsTextAroundBlocksAndByteOrderMark() throws Exception {
        TestPki.Issued device = pki.client("device1");
        String pem = Files.readString(device.cert());
        Path file = dir.resolve("windows.pem");
        // what "openssl pkcs12 -nokeys" writes, saved by a Windows editor with a BOM and CRLF
        Files.writeString(file, "\uFEFFBag Attributes\n    localKeyID: 01 02 03\nsubject=CN = device1\n"
                .replace("\n", "\r\n") + pem.replace("\n", "\r\n") + "\r\ntrailing comment\r\n");
        List<X509Certificate> certificates = Pem.readCertificates(file, "CA file", "ca.file");
        assertEquals(1, certificates.size());
        assertArrayEquals(device.certificate().getEncoded(), certificates.get(0).getEncoded());
    }

    @Test
    void keyBlocksInACertificateFileAreIgnored() throws Exception {
        TestPki.Issued device = pki.client("device1");
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(device.key()) + Files.readString(device.cert()));
        assertEquals(1, Pem.readCertificates(combined, "certificate file", "cert.file").size());
        assertEquals(device.privateKey(), Pem.readPrivateKey(combined, "key.file"));
    }

    @Test
    void caBundleFromText() throws Exception {
        TestPki other = TestPki.create(dir, "Other CA");
        String bundle = Files.readString(pki.caCert()) + Files.readString(other.caCert());
        List<X509Certificate> certificates = Pem.parseCertificates(bundle, "Greengrass group CA");
        assertEquals(List.of(pki.caCertificate(), other.caCertificate()), certificates);
    }
}
