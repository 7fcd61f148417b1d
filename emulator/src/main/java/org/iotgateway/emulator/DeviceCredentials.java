package org.iotgateway.emulator;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A device certificate and private key issued by the emulator's CA (or configured), with the files
 * they were written to and ready-made TLS client contexts for tests.
 */
public final class DeviceCredentials {
    private final String name;
    private final Path certificateFile;
    private final Path privateKeyFile;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final X509Certificate caCertificate;

    public DeviceCredentials(String name, Path certificateFile, Path privateKeyFile, X509Certificate certificate,
            PrivateKey privateKey, X509Certificate caCertificate) {
        this.name = Objects.requireNonNull(name, "name");
        this.certificateFile = certificateFile;
        this.privateKeyFile = privateKeyFile;
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.caCertificate = Objects.requireNonNull(caCertificate, "caCertificate");
    }

    public String name() {
        return name;
    }

    /** The PEM certificate file, or null when the credentials were never written. */
    public Path certificateFile() {
        return certificateFile;
    }

    /** The PEM (PKCS#8) private key file, or null when the credentials were never written. */
    public Path privateKeyFile() {
        return privateKeyFile;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The CA that signed the emulator's server certificates (trust anchor for the client). */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** A PKCS#12 key store holding the key and certificate under the alias {@code device}. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", privateKey, password, new Certificate[] {certificate});
            return ks;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new EmulatorException("cannot build key store for device " + name, e);
        }
    }

    /** A TLS client context presenting this device certificate and trusting the emulator's CA. */
    public SSLContext sslContext() {
        try {
            // the key as it is, not through a password-protected key store (10,000 PBKDF2 rounds each way)
            javax.net.ssl.KeyManager[] keyManagers = {
                new org.iotgateway.emulator.internal.StaticKeyManager(privateKey, certificate)};
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new EmulatorException("cannot build TLS context for device " + name, e);
        }
    }

    /** Shortcut for {@code sslContext().getSocketFactory()}, e.g. for Paho's {@code setSocketFactory}. */
    public SSLSocketFactory socketFactory() {
        return sslContext().getSocketFactory();
    }

    @Override
    public String toString() {
        return "DeviceCredentials[" + name + ", " + certificateFile + "]";
    }
}
