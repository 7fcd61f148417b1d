package org.iotgateway.greengrass.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.net.ssl.KeyManager;

import org.iotgateway.tls.KeyStores;
import org.iotgateway.tls.Pkcs11Keys;
import org.iotgateway.tls.Pkcs11Settings;
import org.iotgateway.tls.TlsContexts;
import org.iotgateway.tls.TlsMaterialException;

/**
 * The device's client credentials, in the same forms as the connection's: a PEM certificate file with a PEM
 * private key file ({@code cert.file}, {@code key.file}), a PKCS#12/JKS keystore ({@code keystore.file},
 * {@code keystore.password}, {@code keystore.alias}), or a key in a PKCS#11 token ({@code pkcs11.*}, see
 * {@link Pkcs11Settings}) with the certificate from {@code cert.file} or the token. Immutable; {@link #toString()}
 * never shows a password or PIN.
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
    /** The key in a PKCS#11 token, or null. */
    final Pkcs11Settings pkcs11;

    private Credentials(Path certFile, Path keyFile, Path keystoreFile, String keystorePassword, String keystoreAlias,
            Pkcs11Settings pkcs11) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.keystoreFile = keystoreFile;
        this.keystorePassword = keystorePassword;
        this.keystoreAlias = keystoreAlias;
        this.pkcs11 = pkcs11;
    }

    /** Credentials from files or a keystore. */
    static Credentials of(String certFile, String keyFile, String keystoreFile, String keystorePassword,
            String keystoreAlias) {
        return of(certFile, keyFile, keystoreFile, keystorePassword, keystoreAlias, null);
    }

    /**
     * @param pkcs11 the key in a token (validated, see {@link #pkcs11(String, long, String, String, String, String,
     *        String)}), or null
     * @throws InvalidConfigurationException unless exactly one of certificate and key files (both), a keystore, or a
     *         token key (with or without certificate file) is given
     */
    static Credentials of(String certFile, String keyFile, String keystoreFile, String keystorePassword,
            String keystoreAlias, Pkcs11Settings pkcs11) {
        Path cert = path(CERT_FILE, certFile);
        Path key = path(KEY_FILE, keyFile);
        Path keystore = path(KEYSTORE_FILE, keystoreFile);
        if (pkcs11 != null) {
            if (key != null || keystore != null) {
                String other = key != null ? KEY_FILE : KEYSTORE_FILE;
                throw new InvalidConfigurationException(other, Pkcs11Settings.conflict(other));
            }
            return new Credentials(cert, null, null, "", "", pkcs11);
        }
        if (keystore != null && (cert != null || key != null)) {
            throw new InvalidConfigurationException(KEYSTORE_FILE, "give either keystore.file or cert.file and "
                    + "key.file, not both");
        }
        if (keystore == null) {
            if (cert == null && key == null) {
                throw new InvalidConfigurationException(CERT_FILE, "Greengrass discovery authenticates with the "
                        + "device certificate: set cert.file and key.file (or keystore.file, or pkcs11.library and "
                        + "pkcs11.key.label for a key in a PKCS#11 token)");
            }
            if (cert == null || key == null) {
                throw new InvalidConfigurationException(cert == null ? CERT_FILE : KEY_FILE,
                        "cert.file and key.file must be set together");
            }
        }
        return new Credentials(cert, key, keystore, keystorePassword == null ? "" : keystorePassword,
                keystoreAlias == null ? "" : keystoreAlias.trim(), null);
    }

    /**
     * Validates the {@code pkcs11.*} settings without touching the token (sizes, characters, slot and label not
     * both, a key label), and that no other private key is configured.
     *
     * @return the token settings, or null when {@code pkcs11.library} is empty
     * @throws InvalidConfigurationException naming the property
     */
    static Pkcs11Settings pkcs11(String library, long slot, String tokenLabel, String pin, String keyLabel,
            String keyFile, String keystoreFile) {
        String other = !blank(keyFile) ? KEY_FILE : !blank(keystoreFile) ? KEYSTORE_FILE : null;
        if (!blank(library) && other != null) {
            throw new InvalidConfigurationException(other, Pkcs11Settings.conflict(other));
        }
        try {
            return Pkcs11Settings.of(library, slot, tokenLabel, pin, keyLabel);
        } catch (TlsMaterialException e) {
            throw new InvalidConfigurationException(e.setting(), e.getMessage(), e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.trim().isEmpty();
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

    /**
     * Loads and checks the device key and certificate (a token key is logged in to, only when needed).
     *
     * @param owner who uses a token key from now on (one per configuration), until {@link Pkcs11Keys#release}
     * @return the key manager to authenticate with
     * @throws TlsMaterialException naming setting and file
     */
    KeyManager load(Object owner) {
        TlsContexts.Builder builder = TlsContexts.builder();
        if (pkcs11 != null) {
            Pkcs11Keys.Request request = pkcs11.request();
            try {
                return builder.clientPkcs11(request, certFile, CERT_FILE, owner).clientKeyManager();
            } finally {
                request.wipe();
            }
        }
        if (keystoreFile != null) {
            char[] password = keystorePassword.toCharArray();
            builder.clientKeyStore(keystoreFile, password, keystoreAlias.isEmpty() ? null : keystoreAlias,
                    KEYSTORE_SETTINGS);
            java.util.Arrays.fill(password, '\0');
            return builder.clientKeyManager();
        }
        return builder.clientCertificate(certFile, CERT_FILE, keyFile, KEY_FILE).clientKeyManager();
    }

    /** @return the connection configuration properties that give a connection the same credentials */
    Map<String, Object> connectionProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        if (pkcs11 != null) {
            p.put(CERT_FILE, certFile == null ? "" : certFile.toString());
            p.put(KEY_FILE, "");
            p.put(KEYSTORE_FILE, "");
            p.put(KEYSTORE_PASSWORD, "");
            p.put(KEYSTORE_ALIAS, "");
            p.putAll(pkcs11.properties());
            return p;
        }
        p.putAll(Pkcs11Settings.noProperties());
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
                && keystoreAlias.equals(c.keystoreAlias) && java.util.Objects.equals(pkcs11, c.pkcs11);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(certFile, keyFile, keystoreFile, keystoreAlias, pkcs11);
    }

    @Override
    public String toString() {
        if (pkcs11 != null) {
            return pkcs11 + (certFile == null ? ", certificate from the token" : ", certificate " + certFile);
        }
        return keystoreFile != null ? "keystore " + keystoreFile + (keystoreAlias.isEmpty() ? "" : " (" + keystoreAlias + ")")
                : "certificate " + certFile + ", key " + keyFile;
    }
}
