package org.iotgateway.greengrass.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import org.iotgateway.tls.KeyStores;
import org.iotgateway.tls.TlsContexts;

/**
 * The device's client credentials, in the same forms as the connection's: a PEM certificate file with a PEM
 * private key file ({@code cert.file}, {@code key.file}), or a PKCS#12/JKS keystore ({@code keystore.file},
 * {@code keystore.password}, {@code keystore.alias}). Immutable; {@link #toString()} never shows the password.
 */
final class Credentials {

    static final String CERT_FILE = "cert.file";
    static final String KEY_FILE = "key.file";
    static final String KEYSTORE_FILE = "keystore.file";
    static final String KEYSTORE_PASSWORD = "keystore.password";
    static final String KEYSTORE_ALIAS = "keystore.alias";

    private static final KeyStores.Settings KEYSTORE_SETTINGS = new KeyStores.Settings(KEYSTORE_FILE,
            KEYSTORE_PASSWORD, KEYSTORE_ALIAS);

    final Path certFile;
    final Path keyFile;
    final Path keystoreFile;
    private final String keystorePassword;
    final String keystoreAlias;

    private Credentials(Path certFile, Path keyFile, Path keystoreFile, String keystorePassword, String keystoreAlias) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.keystoreFile = keystoreFile;
        this.keystorePassword = keystorePassword;
        this.keystoreAlias = keystoreAlias;
    }

    /**
     * @throws InvalidConfigurationException unless exactly one of certificate and key files (both) or a keystore is
     *         given
     */
    static Credentials of(String certFile, String keyFile, String keystoreFile, String keystorePassword,
            String keystoreAlias) {
        Path cert = path(CERT_FILE, certFile);
        Path key = path(KEY_FILE, keyFile);
        Path keystore = path(KEYSTORE_FILE, keystoreFile);
        if (keystore != null && (cert != null || key != null)) {
            throw new InvalidConfigurationException(KEYSTORE_FILE, "give either keystore.file or cert.file and "
                    + "key.file, not both");
        }
        if (keystore == null) {
            if (cert == null && key == null) {
                throw new InvalidConfigurationException(CERT_FILE, "Greengrass discovery authenticates with the "
                        + "device certificate: set cert.file and key.file (or keystore.file)");
            }
            if (cert == null || key == null) {
                throw new InvalidConfigurationException(cert == null ? CERT_FILE : KEY_FILE,
                        "cert.file and key.file must be set together");
            }
        }
        return new Credentials(cert, key, keystore, keystorePassword == null ? "" : keystorePassword,
                keystoreAlias == null ? "" : keystoreAlias.trim());
    }

    static Path path(String property, String value) {
        String v = value == null ? "" : value.trim();
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Paths.get(v);
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException(property, "'" + v + "' is not a valid path: " + e.getMessage());
        }
    }

    /** Adds the client certificate to a TLS context under construction. */
    TlsContexts.Builder applyTo(TlsContexts.Builder builder) {
        if (keystoreFile != null) {
            return builder.clientKeyStore(keystoreFile, keystorePassword.toCharArray(),
                    keystoreAlias.isEmpty() ? null : keystoreAlias, KEYSTORE_SETTINGS);
        }
        return builder.clientCertificate(certFile, CERT_FILE, keyFile, KEY_FILE);
    }

    /** @return the connection configuration properties that give a connection the same credentials */
    Map<String, Object> connectionProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        if (keystoreFile != null) {
            p.put(KEYSTORE_FILE, keystoreFile.toString());
            p.put(KEYSTORE_PASSWORD, keystorePassword);
            p.put(KEYSTORE_ALIAS, keystoreAlias);
            p.put(CERT_FILE, "");
            p.put(KEY_FILE, "");
        } else {
            p.put(CERT_FILE, certFile.toString());
            p.put(KEY_FILE, keyFile.toString());
            p.put(KEYSTORE_FILE, "");
            p.put(KEYSTORE_PASSWORD, "");
            p.put(KEYSTORE_ALIAS, "");
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Credentials)) {
            return false;
        }
        Credentials c = (Credentials) o;
        return java.util.Objects.equals(certFile, c.certFile) && java.util.Objects.equals(keyFile, c.keyFile)
                && java.util.Objects.equals(keystoreFile, c.keystoreFile) && keystorePassword.equals(c.keystorePassword)
                && keystoreAlias.equals(c.keystoreAlias);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(certFile, keyFile, keystoreFile, keystoreAlias);
    }

    @Override
    public String toString() {
        return keystoreFile != null ? "keystore " + keystoreFile + (keystoreAlias.isEmpty() ? "" : " (" + keystoreAlias + ")")
                : "certificate " + certFile + ", key " + keyFile;
    }
}
