package org.iotgateway.tls;

import static org.iotgateway.tls.Failures.assertFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import org.iotgateway.testsupport.TestPki;
import org.iotgateway.tls.TlsMaterialException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be unusable gives a message naming the file, the setting and the reason. */
class PemErrorsTest {

    private static final String CERT = "certificate file";
    private static final String KEY = "private key file";

    @TempDir
    static Path dir;

    static TestPki.Issued device;
    static String certPem;
    static String keyPem;

    @BeforeAll
    static void material() throws Exception {
        device = TestPki.create(dir).client("device1");
        certPem = Files.readString(device.cert());
        keyPem = Files.readString(device.key());
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.pem");
        assertFails(Reason.MISSING_FILE, CERT, "cert.file", missing, () -> readCert(missing), "does not exist");
        Path missingDir = dir.resolve("no-such-dir/key.pem");
        assertFails(Reason.MISSING_FILE, KEY, "key.file", missingDir,
                () -> Pem.readPrivateKey(missingDir, "key.file"), "directory " + dir.resolve("no-such-dir"));
    }

    @Test
    void directory() {
        assertFails(Reason.NOT_A_FILE, CERT, "cert.file", dir, () -> readCert(dir), "is a directory");
        assertFails(Reason.NOT_A_FILE, KEY, "key.file", dir, () -> Pem.readPrivateKey(dir, "key.file"),
                "is a directory");
    }

    @Test
    void unreadableFile() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            Path file = write("unreadable.pem", certPem);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
            assertFails(Reason.UNREADABLE, CERT, "cert.file", file, () -> readCert(file), "permission denied");
        }
        // root reads any file regardless of permissions; on Linux, reading /proc/self/mem from offset 0 fails with
        // an I/O error for every user
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(!root || Files.exists(mem), "root, and no /proc/self/mem: no way to make a read fail here");
        if (Files.exists(mem)) {
            assertFails(Reason.UNREADABLE, CERT, "cert.file", mem, () -> readCert(mem), "cannot be read");
        }
    }

    @Test
    void emptyAndBlankFiles() throws Exception {
        Path empty = write("empty.pem", "");
        assertFails(Reason.EMPTY, CERT, "cert.file", empty, () -> readCert(empty), "file is empty");
        Path blank = write("blank.pem", "\n  \r\n\t\n");
        assertFails(Reason.EMPTY, KEY, "key.file", blank, () -> Pem.readPrivateKey(blank, "key.file"),
                "only white space");
    }

    @Test
    void garbageAndBinaryFiles() throws Exception {
        Path garbage = write("garbage.pem", "this is not a certificate\nat all\n");
        assertFails(Reason.NOT_PEM, CERT, "cert.file", garbage, () -> readCert(garbage), "no PEM data found",
                "-----BEGIN CERTIFICATE-----");
        Path der = dir.resolve("device.der");
        Files.write(der, device.certificate().getEncoded());
        assertFails(Reason.NOT_PEM, CERT, "cert.file", der, () -> readCert(der), "binary (DER?)");
        assertFails(Reason.NOT_PEM, KEY, "key.file", garbage, () -> Pem.readPrivateKey(garbage, "key.file"),
                "-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void truncatedInTheMiddleOfTheBase64() throws Exception {
        Path file = write("cut.pem", certPem.substring(0, certPem.length() / 2));
        assertFails(Reason.TRUNCATED, CERT, "cert.file", file, () -> readCert(file),
                "BEGIN CERTIFICATE at line 1 has no END CERTIFICATE line");
        Path key = write("cut-key.pem", keyPem.substring(0, keyPem.length() / 2));
        assertFails(Reason.TRUNCATED, KEY, "key.file", key, () -> Pem.readPrivateKey(key, "key.file"),
                "BEGIN RSA PRIVATE KEY at line 1 has no END RSA PRIVATE KEY line");
    }

    @Test
    void missingEndLine() throws Exception {
        String withoutEnd = certPem.substring(0, certPem.indexOf("-----END"));
        Path file = write("no-end.pem", withoutEnd);
        assertFails(Reason.TRUNCATED, CERT, "cert.file", file, () -> readCert(file), "no END CERTIFICATE line");
        // the first of two blocks lacks its END line
        Path two = write("no-end-then-next.pem", withoutEnd + certPem);
        assertFails(Reason.TRUNCATED, CERT, "cert.file", two, () -> readCert(two), "before the next BEGIN");
    }

    @Test
    void missingBeginLine() throws Exception {
        Path file = write("no-begin.pem", certPem.substring(certPem.indexOf('\n') + 1));
        assertFails(Reason.TRUNCATED, CERT, "cert.file", file, () -> readCert(file), "has no BEGIN line");
    }

    @Test
    void mismatchedEndLabel() throws Exception {
        Path file = write("mismatch.pem", certPem.replace("END CERTIFICATE", "END PRIVATE KEY"));
        assertFails(Reason.CORRUPT, CERT, "cert.file", file, () -> readCert(file), "ends with END PRIVATE KEY");
    }

    @Test
    void badBase64() throws Exception {
        String[] lines = certPem.split("\n");
        lines[3] = lines[3].substring(0, 10) + "*!" + lines[3].substring(12);
        Path file = write("bad-base64.pem", String.join("\n", lines) + "\n");
        assertFails(Reason.BAD_BASE64, CERT, "cert.file", file, () -> readCert(file),
                "CERTIFICATE block at line 1 is not valid base64");
        // one character too many at the end: after '=' padding, or a final unit of a single character
        lines = certPem.split("\n");
        lines[lines.length - 2] = lines[lines.length - 2] + "A";
        Path odd = write("odd-base64.pem", String.join("\n", Arrays.asList(lines)) + "\n");
        assertFails(Reason.BAD_BASE64, CERT, "cert.file", odd, () -> readCert(odd), "not valid base64");
    }

    @Test
    void corruptDerInsideValidBase64() throws Exception {
        byte[] der = device.certificate().getEncoded();
        Path truncated = write("truncated-der.pem", TestPki.pem("CERTIFICATE", Arrays.copyOf(der, der.length - 30)));
        assertFails(Reason.CORRUPT, CERT, "cert.file", truncated, () -> readCert(truncated),
                "CERTIFICATE block at line 1 is not a valid X.509 certificate", "corrupt DER");

        byte[] random = new byte[300];
        new Random(4).nextBytes(random);
        Path noise = write("random-der.pem", TestPki.pem("CERTIFICATE", random));
        assertFails(Reason.CORRUPT, CERT, "cert.file", noise, () -> readCert(noise), "corrupt DER");

        byte[] damaged = der.clone();
        damaged[40] ^= 0x55; // inside the structure: a well-formed length but a broken certificate
        damaged[41] ^= 0x55;
        Path flipped = write("flipped-der.pem", TestPki.pem("CERTIFICATE", damaged));
        assertFails(Reason.CORRUPT, CERT, "cert.file", flipped, () -> readCert(flipped), "not a valid X.509");
    }

    @Test
    void caFileWithoutCertificates() throws Exception {
        assertFails(Reason.NO_CERTIFICATES, "CA file", "ca.file", device.key(),
                () -> Pem.readCertificates(device.key(), "CA file", "ca.file"),
                "no CERTIFICATE block found", "RSA PRIVATE KEY", "is this the private key file?");
    }

    @Test
    void settingIsOptionalAndTextSourcesAreNamed() {
        Path missing = dir.resolve("nope.pem");
        TlsMaterialException e = assertThrows(TlsMaterialException.class,
                () -> Pem.readCertificates(missing, "CA file", null));
        assertEquals("CA file " + missing + ": file does not exist", e.getMessage());

        e = assertThrows(TlsMaterialException.class, () -> Pem.parseCertificates("junk", "Greengrass group CA"));
        assertEquals(Reason.NOT_PEM, e.reason());
        assertTrue(e.getMessage().startsWith("Greengrass group CA: no PEM data found"), e.getMessage());
        e = assertThrows(TlsMaterialException.class, () -> Pem.parseCertificates("", "Greengrass group CA"));
        assertEquals(Reason.EMPTY, e.reason());
    }

    @Test
    void messagesNeverContainKeyMaterial() throws Exception {
        // every failure above is checked by Failures.assertNoContentQuoted; here the worst case: a key whose DER is
        // corrupt, where a careless message would quote the bytes
        List<String> lines = new ArrayList<>(Arrays.asList(keyPem.split("\n")));
        byte[] der = Base64.getMimeDecoder().decode(String.join("", lines.subList(1, lines.size() - 1)));
        der[1] = (byte) 0x84; // absurd length
        Path file = write("corrupt-key-length.pem", TestPki.pem("RSA PRIVATE KEY", der));
        TlsMaterialException e = assertFails(Reason.CORRUPT, KEY, "key.file", file,
                () -> Pem.readPrivateKey(file, "key.file"), "corrupt DER");
        assertTrue(!e.getMessage().contains(new String(der, 4, 8, StandardCharsets.ISO_8859_1)));
    }

    private static List<?> readCert(Path file) {
        return Pem.readCertificates(file, CERT, "cert.file");
    }

    private static Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.ISO_8859_1);
        return file;
    }
}
