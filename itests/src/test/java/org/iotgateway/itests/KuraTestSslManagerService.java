package org.iotgateway.itests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.kura.ssl.SslManagerService;

/**
 * Test stand-in for Kura's SslManagerService: an SSLContext from a PKCS#12 key store (device key and certificate)
 * and a PKCS#12 trust store (the broker's CA), the way Kura's SSL manager builds it from its keystores.
 */
final class KuraTestSslManagerService implements SslManagerService {

    private final String keyStore;
    private final String trustStore;
    private final char[] password;
    final AtomicInteger contexts = new AtomicInteger();

    KuraTestSslManagerService(String keyStore, String trustStore, char[] password) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.password = password.clone();
    }

    @Override
    public SSLContext getSSLContext() throws GeneralSecurityException, IOException {
        KeyStore keys = load(keyStore);
        KeyStore trust = load(trustStore);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        contexts.incrementAndGet();
        return context;
    }

    private KeyStore load(String path) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(path))) {
            ks.load(in, password);
        }
        return ks;
    }
}
