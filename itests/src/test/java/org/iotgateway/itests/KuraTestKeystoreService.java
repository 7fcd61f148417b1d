package org.iotgateway.itests;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.security.keystore.KeystoreService;

/**
 * Test stand-in for a Kura KeystoreService: one key store holding the device key entry and the broker's CA as a
 * trusted certificate entry, as a Kura keystore holds both.
 */
final class KuraTestKeystoreService implements KeystoreService {

    private final KeyStore keyStore;
    private final char[] password;

    KuraTestKeystoreService(String deviceStore, String trustStore, char[] password) throws Exception {
        this.password = password.clone();
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(deviceStore))) {
            keyStore.load(in, password);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(trustStore))) {
            trust.load(in, password);
        }
        keyStore.setCertificateEntry("ca", trust.getCertificate("ca"));
    }

    @Override
    public KeyStore getKeyStore() {
        return keyStore;
    }

    @Override
    public List<KeyManager> getKeyManagers(String algorithm) throws KuraException {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(algorithm);
            kmf.init(keyStore, password);
            return Arrays.asList(kmf.getKeyManagers());
        } catch (Exception e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "key managers");
        }
    }
}
