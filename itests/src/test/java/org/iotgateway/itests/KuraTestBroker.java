package org.iotgateway.itests;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.HexFormat;

import org.iotgateway.testsupport.MoquetteBroker;
import org.iotgateway.testsupport.TestPki;

/**
 * Host side only (like {@link TestBroker}): a Moquette broker for the Kura tests that checks passwords (one user,
 * anonymous clients refused) and has a TLS listener requiring a client certificate, with the test PKI's key store
 * and trust store written as PKCS#12 files for the stand-in SslManagerService. Started once per JVM; its ports and
 * files reach the probe as system properties.
 */
final class KuraTestBroker {

    static final String PORT = "itest.kura.broker.port";
    static final String TLS_PORT = "itest.kura.broker.tls.port";
    static final String KEY_STORE = "itest.kura.keystore";
    static final String TRUST_STORE = "itest.kura.truststore";
    /** The one user the broker accepts, and its password. */
    static final String USER = "kura-gateway";
    static final String PASSWORD = "Kura-s3cret!";
    /** Password of the test key and trust stores (not a secret). */
    static final String STORE_PASSWORD = "changeit";

    private static MoquetteBroker broker;

    private KuraTestBroker() {
    }

    static synchronized void ensureStarted() {
        if (broker != null) {
            return;
        }
        try {
            String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
            Path dir = Files.createDirectories(new File(base, "kura").toPath());
            TestPki pki = TestPki.create(dir.resolve("pki"));
            TestPki.Issued server = pki.server();
            TestPki.Issued device = pki.client("kura-device");

            Path keyStore = dir.resolve("device.p12");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("device", device.privateKey(), STORE_PASSWORD.toCharArray(),
                    device.chain().toArray(new Certificate[0]));
            write(keys, keyStore);
            Path trustStore = dir.resolve("trust.p12");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", pki.rootCaCertificate());
            write(trust, trustStore);

            Path passwords = dir.resolve("passwords");
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(PASSWORD.getBytes(StandardCharsets.UTF_8)));
            Files.writeString(passwords, USER + ":" + hash + "\n");

            broker = MoquetteBroker.builder().tls(server, true).property("allow_anonymous", "false")
                    .property("password_file", passwords.toAbsolutePath().toString()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> broker.close(), "itest-kura-broker-stop"));
            System.setProperty(PORT, String.valueOf(broker.port()));
            System.setProperty(TLS_PORT, String.valueOf(broker.sslPort()));
            System.setProperty(KEY_STORE, keyStore.toString());
            System.setProperty(TRUST_STORE, trustStore.toString());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the Kura test broker", e);
        }
    }

    private static void write(KeyStore ks, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
        }
    }
}
