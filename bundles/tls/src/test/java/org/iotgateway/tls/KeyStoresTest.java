package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.X509KeyManager;

import org.iotgateway.tls.TlsMaterialException.Reason;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device keys and certificates from PKCS#12 and JKS keystores, and every way a keystore setting can be wrong. */
class KeyStoresTest {

    private static final String PASSWORD = "St0re-Passw0rd";
    private static final KeyStores.Settings SETTINGS = new KeyStores.Settings("keystore.file", "keystore.password",
            "keystore.alias");

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static TestPki.Issued device;
    private static Path p12;
    private static Path jks;
    private static Path twoKeys;
    private static TlsTestServer server;

    @BeforeAll
    static void create() throws Exception {
        pki = TestPki.create(dir);
        device = pki.client("keystore-device");
        p12 = write("device.p12", "PKCS12", store -> {
            store.setKeyEntry("device", device.privateKey(), PASSWORD.toCharArray(),
                    device.chain().toArray(new X509Certificate[0]));
            store.setCertificateEntry("root-ca", pki.caCertificate());
        });
        jks = write("device.jks", "JKS", store -> store.setKeyEntry("device", device.privateKey(),
                PASSWORD.toCharArray(), device.chain().toArray(new X509Certificate[0])));
        TestPki.Issued other = pki.client("other-device", TestPki.KeyType.EC, TestPki.KeyFormat.PKCS8);
        twoKeys = write("two.p12", "PKCS12", store -> {
            store.setKeyEntry("device", device.privateKey(), PASSWORD.toCharArray(),
                    device.chain().toArray(new X509Certificate[0]));
            store.setKeyEntry("other", other.privateKey(), PASSWORD.toCharArray(),
                    other.chain().toArray(new X509Certificate[0]));
        });
        server = new TlsTestServer(pki.server(), pki.caCertificate());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    interface Filler {
        void fill(KeyStore store) throws Exception;
    }

    private static Path write(String name, String type, Filler filler) throws Exception {
        KeyStore store = KeyStore.getInstance(type);
        store.load(null, null);
        filler.fill(store);
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    private static X509KeyManager load(Path file, String password, String alias) {
        return KeyStores.keyManager(file, password == null ? null : password.toCharArray(), alias, SETTINGS,
                Clock.systemUTC());
    }

    private static void assertNoPassword(TlsMaterialException e) {
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-pw"), e.getMessage());
    }

    @Test
    void pkcs12AndJksKeystoresAuthenticateTheDevice() throws Exception {
        for (Path file : new Path[] {p12, jks}) {
            for (String alias : new String[] {"device", ""}) {
                X509KeyManager km = load(file, PASSWORD, alias);
                String chosen = km.chooseClientAlias(new String[] {"RSA"}, null, null);
                assertEquals(device.certificate(), km.getCertificateChain(chosen)[0]);
            }
        }
        SSLContext context = TlsContexts.builder().trustedCertificates(pki.caCert(), "ca.file")
                .clientKeyStore(p12, PASSWORD.toCharArray(), "device", SETTINGS).build();
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) SafeSocketFactory.of(context)
                .createSocket("localhost", server.port())) {
            s.startHandshake();
            assertEquals('h', s.getInputStream().read());
        }
        TlsTestServer.Outcome outcome = server.nextOutcome();
        assertTrue(String.valueOf(outcome.clientSubject).contains("CN=keystore-device"), outcome.toString());
    }

    @Test
    void aWrongOrMissingPasswordNamesThePasswordSetting() {
        for (Path file : new Path[] {p12, jks}) {
            TlsMaterialException e = Failures.assertFails(Reason.WRONG_PASSWORD, "keystore", "keystore.password", file,
                    () -> load(file, "wrong-pw", "device"), "wrong password");
            assertNoPassword(e);
        }
        TlsMaterialException missing = Failures.assertFails(Reason.PASSWORD_REQUIRED, "keystore", "keystore.password",
                p12, () -> load(p12, "", "device"), "none is configured");
        assertNoPassword(missing);
    }

    @Test
    void aMissingAliasListsTheKeyEntries() {
        TlsMaterialException e = Failures.assertFails(Reason.UNKNOWN_ALIAS, "keystore", "keystore.alias", p12,
                () -> load(p12, PASSWORD, "gateway"), "no entry with alias 'gateway'", "private key entries: 'device'");
        assertNoPassword(e);
        Failures.assertFails(Reason.NO_PRIVATE_KEY, "keystore", "keystore.alias", p12,
                () -> load(p12, PASSWORD, "root-ca"), "is a trusted certificate");
        Failures.assertFails(Reason.UNKNOWN_ALIAS, "keystore", "keystore.alias", twoKeys,
                () -> load(twoKeys, PASSWORD, ""), "holds 2 private keys", "'device'", "'other'");
        X509KeyManager other = load(twoKeys, PASSWORD, "other");
        assertTrue(other.getCertificateChain(other.chooseClientAlias(new String[] {"EC"}, null, null))[0]
                .getSubjectX500Principal().getName().contains("other-device"));
    }

    @Test
    void filesThatAreNotKeystoresNameTheFileSetting() throws Exception {
        Failures.assertFails(Reason.MISSING_FILE, "keystore", "keystore.file", dir.resolve("nope.p12"),
                () -> load(dir.resolve("nope.p12"), PASSWORD, "device"), "does not exist");
        Failures.assertFails(Reason.CORRUPT, "keystore", "keystore.file", device.cert(),
                () -> load(device.cert(), PASSWORD, "device"), "is a PEM file, not a keystore");
        Path garbage = dir.resolve("garbage.p12");
        Files.write(garbage, new byte[] {0x30, 0x03, 0x02, 0x01, 0x03, 0x00, 0x00});
        Failures.assertFails(Reason.CORRUPT, "keystore", "keystore.file", garbage,
                () -> load(garbage, PASSWORD, "device"), "PKCS12");
        Path text = dir.resolve("text.jks");
        Files.writeString(text, "hello");
        Failures.assertFails(Reason.CORRUPT, "keystore", "keystore.file", text, () -> load(text, PASSWORD, ""),
                "is not a PKCS#12 or JKS keystore");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        TestPki.Issued old = pki.cert("expired-device").expired().issue();
        Path file = write("expired.p12", "PKCS12", store -> store.setKeyEntry("device", old.privateKey(),
                PASSWORD.toCharArray(), old.chain().toArray(new X509Certificate[0])));
        TlsMaterialException e = org.junit.jupiter.api.Assertions.assertThrows(TlsMaterialException.class,
                () -> load(file, PASSWORD, "device"));
        assertEquals(Reason.EXPIRED, e.reason());
        assertTrue(e.getMessage().contains("key entry 'device'") && e.getMessage().contains("expired"), e.getMessage());
    }
}
