package org.iotgateway.tls;

import static org.iotgateway.tls.Failures.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.iotgateway.testsupport.TestPki;
import org.iotgateway.testsupport.TestPki.Issued;
import org.iotgateway.testsupport.TestPki.KeyFormat;
import org.iotgateway.testsupport.TestPki.KeyType;
import org.iotgateway.tls.TlsMaterialException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PemPrivateKeysTest {

    private static final String KEY = "private key file";

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({
        "RSA, PKCS1",
        "RSA, PKCS8",
        "EC, PKCS8",
        "EC, SEC1",
        "EC, SEC1_WITH_PARAMETERS",
        "EC_P384, SEC1",
        "EC_P384, PKCS8",
    })
    void readsEveryUnencryptedFormat(KeyType type, KeyFormat format) throws Exception {
        Issued device = pki.client("device-" + type, type, format);
        PrivateKey key = Pem.readPrivateKey(device.key(), "key.file");
        assertSameKey(device.privateKey(), key);

        Path crlf = dir.resolve("crlf-" + type + "-" + format + ".pem");
        Files.writeString(crlf, Files.readString(device.key()).replace("\n", "\r\n"));
        assertSameKey(device.privateKey(), Pem.readPrivateKey(crlf, "key.file"));
    }

    @Test
    void readsOpenSslStylePkcs8EcKeyWithPublicKeyButNoParameters() throws Exception {
        // openssl pkcs8 -topk8 -nocrypt writes the inner SEC1 structure without [0] but with [1]
        Issued device = pki.client("device-ec", KeyType.EC, KeyFormat.SEC1);
        ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(
                PrivateKeyInfo.getInstance(device.privateKey().getEncoded()).getPrivateKeyAlgorithm().getParameters());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                PrivateKeyInfo.getInstance(device.privateKey().getEncoded()).parsePrivateKey());
        org.bouncycastle.asn1.sec.ECPrivateKey withPublicKey = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                sec1.getKey(), publicKeyBits(device), null);
        PrivateKeyInfo info = new PrivateKeyInfo(
                PrivateKeyInfo.getInstance(device.privateKey().getEncoded()).getPrivateKeyAlgorithm(), withPublicKey);
        Path file = dir.resolve("openssl-pkcs8-ec.pem");
        Files.writeString(file, TestPki.pem("PRIVATE KEY", info.getEncoded("DER")));
        assertSameKey(device.privateKey(), Pem.readPrivateKey(file, "key.file"));

        // and SEC1 without [0], where only the EC PARAMETERS block names the curve
        Path paramsOnly = dir.resolve("sec1-params-block-only.pem");
        Files.writeString(paramsOnly, TestPki.pem("EC PARAMETERS", curve.getEncoded("DER"))
                + TestPki.pem("EC PRIVATE KEY", withPublicKey.getEncoded("DER")));
        assertSameKey(device.privateKey(), Pem.readPrivateKey(paramsOnly, "key.file"));

        Path noCurve = dir.resolve("sec1-no-curve.pem");
        Files.writeString(noCurve, TestPki.pem("EC PRIVATE KEY", withPublicKey.getEncoded("DER")));
        assertFails(Reason.CORRUPT, KEY, "key.file", noCurve, () -> Pem.readPrivateKey(noCurve, "key.file"),
                "EC PRIVATE KEY block at line 1", "curve");
    }

    @Test
    void curveInParametersBlockMustAgreeWithKey() throws Exception {
        Issued device = pki.client("device-ec", KeyType.EC, KeyFormat.SEC1);
        Path file = dir.resolve("mixed-curves.pem");
        Files.writeString(file, TestPki.pem("EC PARAMETERS", new ASN1ObjectIdentifier("1.3.132.0.34").getEncoded())
                + Files.readString(device.key()));
        assertFails(Reason.CORRUPT, KEY, "key.file", file, () -> Pem.readPrivateKey(file, "key.file"),
                "P-256", "P-384");
    }

    @Test
    void encryptedPkcs8WithPassword() throws Exception {
        Issued device = pki.cert("device-enc").keyFormat(KeyFormat.ENCRYPTED_PKCS8).password("s3cret").issue();
        assertSameKey(device.privateKey(), Pem.readPrivateKey(device.key(), "key.file", "s3cret".toCharArray()));

        Issued ec = pki.cert("device-enc-ec").keyType(KeyType.EC).keyFormat(KeyFormat.ENCRYPTED_PKCS8)
                .password("s3cret").issue();
        assertSameKey(ec.privateKey(), Pem.readPrivateKey(ec.key(), "key.file", "s3cret".toCharArray()));

        assertFails(Reason.WRONG_PASSWORD, KEY, "key.file", device.key(),
                () -> Pem.readPrivateKey(device.key(), "key.file", "wrong".toCharArray()), "wrong password");
        assertFails(Reason.PASSWORD_REQUIRED, KEY, "key.file", device.key(),
                () -> Pem.readPrivateKey(device.key(), "key.file"), "ENCRYPTED PRIVATE KEY block at line 1",
                "password");
    }

    @Test
    void scryptEncryptedKeyIsUnsupported() throws Exception {
        // what "openssl pkcs8 -topk8 -scrypt" writes: PBES2 with scrypt instead of PBKDF2, unknown to the JDK
        ASN1EncodableVector scrypt = new ASN1EncodableVector();
        scrypt.add(new DEROctetString(new byte[16]));
        scrypt.add(new ASN1Integer(16384));
        scrypt.add(new ASN1Integer(8));
        scrypt.add(new ASN1Integer(1));
        DERSequence kdf = new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier("1.3.6.1.4.1.11591.4.11"),
                    new DERSequence(scrypt)});
        DERSequence cipher = new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.42"),
                    new DEROctetString(new byte[16])});
        DERSequence pbes2 = new DERSequence(new ASN1Encodable[] {new ASN1ObjectIdentifier("1.2.840.113549.1.5.13"),
                    new DERSequence(new ASN1Encodable[] {kdf, cipher})});
        DERSequence encrypted = new DERSequence(new ASN1Encodable[] {pbes2, new DEROctetString(new byte[1200])});
        Path file = dir.resolve("scrypt.pem");
        Files.writeString(file, TestPki.pem("ENCRYPTED PRIVATE KEY", encrypted.getEncoded("DER")));
        assertFails(Reason.UNSUPPORTED, KEY, "key.file", file,
                () -> Pem.readPrivateKey(file, "key.file", "pw".toCharArray()),
                "encryption scheme this Java runtime does not support", "openssl pkcs8 -topk8 -v2 aes-256-cbc");
    }

    @Test
    void legacyOpenSslEncryptionIsRejectedWithAHint() throws Exception {
        Path file = dir.resolve("legacy-encrypted.pem");
        byte[] junk = new byte[600];
        new Random(3).nextBytes(junk);
        Files.writeString(file, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                + "DEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(junk) + "\n-----END RSA PRIVATE KEY-----\n");
        assertFails(Reason.UNSUPPORTED, KEY, "key.file", file, () -> Pem.readPrivateKey(file, "key.file"),
                "legacy OpenSSL encryption", "openssl pkcs8 -topk8");
    }

    @Test
    void unsupportedKeyAlgorithms() throws Exception {
        PrivateKey ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate();
        Path file = dir.resolve("ed25519.pem");
        Files.writeString(file, TestPki.pem("PRIVATE KEY", ed25519.getEncoded()));
        assertFails(Reason.UNSUPPORTED, KEY, "key.file", file, () -> Pem.readPrivateKey(file, "key.file"),
                "Ed25519", "use an RSA or EC");

        Path dsa = dir.resolve("dsa.pem");
        Files.writeString(dsa, TestPki.pem("DSA PRIVATE KEY", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}));
        assertFails(Reason.UNSUPPORTED, KEY, "key.file", dsa, () -> Pem.readPrivateKey(dsa, "key.file"), "DSA");

        // secp256k1 (a curve the JDK no longer supports) in SEC1
        Path k1 = dir.resolve("secp256k1.pem");
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                BigInteger.valueOf(12345), new ASN1ObjectIdentifier("1.3.132.0.10"));
        Files.writeString(k1, TestPki.pem("EC PRIVATE KEY", sec1.getEncoded("DER")));
        assertFails(Reason.UNSUPPORTED, KEY, "key.file", k1, () -> Pem.readPrivateKey(k1, "key.file"),
                "secp256k1", "P-256");
    }

    @Test
    void keyFileWithoutKeyOrWithTwoKeys() throws Exception {
        Issued device = pki.client("device1");
        assertFails(Reason.NO_PRIVATE_KEY, KEY, "key.file", device.cert(),
                () -> Pem.readPrivateKey(device.cert(), "key.file"), "no private key block found",
                "CERTIFICATE", "is this the certificate file?");
        Path two = dir.resolve("two-keys.pem");
        Files.writeString(two, Files.readString(device.key()) + Files.readString(device.writeKey(KeyFormat.PKCS8)));
        assertFails(Reason.NO_PRIVATE_KEY, KEY, "key.file", two, () -> Pem.readPrivateKey(two, "key.file"),
                "more than one private key");
    }

    @Test
    void corruptKeyData() throws Exception {
        Path file = dir.resolve("corrupt-pkcs1.pem");
        // a valid SEQUENCE of two INTEGERs is no RSAPrivateKey
        Files.writeString(file, TestPki.pem("RSA PRIVATE KEY", new byte[] {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01,
            0x05}));
        assertFails(Reason.CORRUPT, KEY, "key.file", file, () -> Pem.readPrivateKey(file, "key.file"),
                "RSA PRIVATE KEY block at line 1", "not a valid RSA private key");
        Path truncated = dir.resolve("truncated-der-key.pem");
        byte[] der = pki.client("device1").privateKey().getEncoded();
        Files.writeString(truncated, TestPki.pem("PRIVATE KEY", Arrays.copyOf(der, der.length - 40)));
        assertFails(Reason.CORRUPT, KEY, "key.file", truncated, () -> Pem.readPrivateKey(truncated, "key.file"),
                "corrupt DER");
    }

    private static DERBitString publicKeyBits(Issued device) {
        return new DERBitString(SubjectPublicKeyInfo.getInstance(device.certificate().getPublicKey().getEncoded()).getPublicKeyData().getBytes());
    }

    static void assertSameKey(PrivateKey expected, PrivateKey actual) {
        assertEquals(expected.getAlgorithm(), actual.getAlgorithm());
        if (expected instanceof ECPrivateKey) {
            assertEquals(((ECPrivateKey) expected).getS(), ((ECPrivateKey) actual).getS());
            assertEquals(((ECPrivateKey) expected).getParams().getCurve(), ((ECPrivateKey) actual).getParams()
                    .getCurve());
        } else {
            assertArrayEquals(expected.getEncoded(), actual.getEncoded());
        }
        assertTrue(actual.getEncoded().length > 0);
    }
}
