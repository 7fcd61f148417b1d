package org.iotgateway.itests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;

import org.iotgateway.testsupport.Mosquitto;
import org.iotgateway.testsupport.SoftHsm;
import org.iotgateway.testsupport.TestPki;

/**
 * Host side only (like {@link TestBroker}): a SoftHSM token with a device key generated inside it and its certificate
 * issued by a test CA, and mosquitto with a TLS listener that requires client certificates from that CA. Set up once
 * per JVM; what the probe needs reaches it as system properties (the PIN is a test value).
 */
final class Pkcs11TestToken {

    static final String LIBRARY = "itest.pkcs11.library";
    static final String TOKEN_LABEL = "itest.pkcs11.token.label";
    static final String PIN = "itest.pkcs11.pin";
    static final String KEY_LABEL = "itest.pkcs11.key.label";
    static final String CA_FILE = "itest.pkcs11.ca.file";
    static final String TLS_PORT = "itest.pkcs11.tls.port";

    private static Mosquitto mosquitto;

    private Pkcs11TestToken() {
    }

    static synchronized void ensureStarted() {
        if (mosquitto != null) {
            return;
        }
        try {
            SoftHsm hsm = SoftHsm.tokens();
            String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
            Path dir = Files.createDirectories(new File(base, "pkcs11").toPath());
            TestPki pki = TestPki.create(dir.resolve("pki"));
            KeyPair key = hsm.generateKeyPair(SoftHsm.Token.MAIN, "EC");
            hsm.storeCertificate(SoftHsm.Token.MAIN, "itest-device", key.getPrivate(),
                    pki.certify("itest-p11", key.getPublic()));
            mosquitto = Mosquitto.builder().tls(pki.server()).requireCertificate(true).start();
            System.setProperty(LIBRARY, hsm.libraryPath().toString());
            System.setProperty(TOKEN_LABEL, SoftHsm.Token.MAIN.label);
            System.setProperty(PIN, SoftHsm.Token.MAIN.pin);
            System.setProperty(KEY_LABEL, "itest-device");
            System.setProperty(CA_FILE, pki.caCert().toString());
            System.setProperty(TLS_PORT, String.valueOf(mosquitto.tlsPort()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up the PKCS#11 token", e);
        }
    }
}
