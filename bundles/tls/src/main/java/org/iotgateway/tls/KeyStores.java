package org.iotgateway.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.X509KeyManager;

import org.iotgateway.tls.TlsMaterialException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a device's private key and certificate chain from a PKCS#12 ({@code .p12}, {@code .pfx}) or Java
 * ({@code .jks}, {@code .jceks}) keystore, the alternative to PEM files that gateway platforms often use.
 *
 * <p>The format is recognised from the content, not the file name. Every problem is a {@link TlsMaterialException}
 * that names the setting to fix: the file setting for a missing, unreadable or corrupt file; the password setting
 * for a wrong or missing password; the alias setting for an alias that does not exist or holds no private key (the
 * message lists the aliases the keystore has; aliases are not secret, passwords never appear).
 */
public final class KeyStores {

    private static final Logger LOG = LoggerFactory.getLogger(KeyStores.class);

    static final String KEYSTORE = "keystore";

    private KeyStores() {
    }

    /** Settings that name a keystore's file, password and key alias, for error messages. */
    public static final class Settings {
        final String file;
        final String password;
        final String alias;

        /**
         * @param file the setting naming the keystore file, e.g. {@code keystore.file}
         * @param password the setting holding its password, e.g. {@code keystore.password}
         * @param alias the setting naming the key alias, e.g. {@code keystore.alias}
         */
        public Settings(String file, String password, String alias) {
            this.file = file;
            this.password = password;
            this.alias = alias;
        }
    }

    /**
     * Loads the key entry and checks it: the key matches the first certificate of its chain, which has not expired.
     *
     * @param file the keystore file
     * @param password the keystore password, also used for the key entry; may be null or empty for a PKCS#12 file
     *        without password; the caller keeps ownership of the array
     * @param alias the alias of the key entry, or null or empty to use the only key entry of the store
     * @param settings setting names for messages
     * @param clock clock for the validity check
     * @return a key manager presenting that key and chain
     * @throws TlsMaterialException naming the setting and file when anything is wrong
     */
    public static X509KeyManager keyManager(Path file, char[] password, String alias, Settings settings, Clock clock) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(settings, "settings");
        Origin fileOrigin = Origin.file(KEYSTORE, settings.file, file);
        Origin passwordOrigin = Origin.file(KEYSTORE, settings.password, file);
        Origin aliasOrigin = Origin.file(KEYSTORE, settings.alias, file);
        char[] pw = password == null ? new char[0] : password.clone();
        try {
            KeyStore store = load(file, pw, fileOrigin, passwordOrigin);
            String chosen = chooseAlias(store, alias, aliasOrigin);
            PrivateKey key = privateKey(store, chosen, pw, aliasOrigin, passwordOrigin);
            List<X509Certificate> chain = chain(store, chosen, aliasOrigin);
            Origin entry = Origin.text(fileOrigin + ", key entry '" + chosen + "'");
            TlsContexts.checkKeyMatches(key, chain, entry, entry);
            TlsContexts.checkValidity(chain.get(0), entry, clock);
            LOG.info("{}: client certificate {} issued by {}, valid until {}, {} key", entry,
                    chain.get(0).getSubjectX500Principal(), chain.get(0).getIssuerX500Principal(),
                    chain.get(0).getNotAfter().toInstant(), key.getAlgorithm());
            return new SingleKeyManager(key, chain);
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    /** @return the keystore type for the content: PKCS12, JKS or JCEKS */
    static String detectType(byte[] content, Origin origin) {
        if (content.length >= 4) {
            int magic = ((content[0] & 0xff) << 24) | ((content[1] & 0xff) << 16) | ((content[2] & 0xff) << 8)
                    | (content[3] & 0xff);
            if (magic == 0xFEEDFEED) {
                return "JKS";
            }
            if (magic == 0xCECECECE) {
                return "JCEKS";
            }
        }
        if (content.length > 0 && content[0] == 0x30) {
            return "PKCS12";
        }
        String start = new String(content, 0, Math.min(content.length, 64), StandardCharsets.ISO_8859_1);
        if (start.contains("-----BEGIN")) {
            throw origin.fail(Reason.CORRUPT, "is a PEM file, not a keystore: configure PEM files with the "
                    + "certificate and key file settings instead");
        }
        throw origin.fail(Reason.CORRUPT, "is not a PKCS#12 or JKS keystore");
    }

    private static KeyStore load(Path file, char[] password, Origin fileOrigin, Origin passwordOrigin) {
        byte[] content = PemReader.readFile(fileOrigin).getBytes(StandardCharsets.ISO_8859_1);
        String type = detectType(content, fileOrigin);
        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        } catch (KeyStoreException e) {
            throw fileOrigin.fail(Reason.UNSUPPORTED, "keystore type " + type + " is not available in this Java "
                    + "runtime", e);
        }
        try {
            store.load(new ByteArrayInputStream(content), password.length == 0 && "PKCS12".equals(type) ? null
                    : password);
            return store;
        } catch (IOException e) {
            if (isPasswordProblem(e)) {
                if (password.length == 0) {
                    throw passwordOrigin.fail(Reason.PASSWORD_REQUIRED, "the " + type + " keystore is protected by a "
                            + "password and none is configured");
                }
                throw passwordOrigin.fail(Reason.WRONG_PASSWORD, "the " + type + " keystore cannot be opened with "
                        + "the configured password (wrong password)");
            }
            throw fileOrigin.fail(Reason.CORRUPT, "is not a readable " + type + " keystore: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw fileOrigin.fail(Reason.CORRUPT, "cannot be loaded as a " + type + " keystore: " + e.getMessage(),
                    e);
        }
    }

    private static boolean isPasswordProblem(IOException e) {
        if (e.getCause() instanceof UnrecoverableKeyException) {
            return true;
        }
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return message.contains("password");
    }

    private static String chooseAlias(KeyStore store, String alias, Origin aliasOrigin) {
        List<String> aliases;
        List<String> keyAliases = new ArrayList<>();
        try {
            aliases = Collections.list(store.aliases());
            for (String a : aliases) {
                if (store.isKeyEntry(a)) {
                    keyAliases.add(a);
                }
            }
        } catch (KeyStoreException e) {
            throw aliasOrigin.fail(Reason.CORRUPT, "cannot list the keystore entries: " + e.getMessage(), e);
        }
        if (alias == null || alias.trim().isEmpty()) {
            if (keyAliases.size() == 1) {
                return keyAliases.get(0);
            }
            if (keyAliases.isEmpty()) {
                throw aliasOrigin.fail(Reason.NO_PRIVATE_KEY, "the keystore holds no private key entry (entries: "
                        + describe(aliases) + ")");
            }
            throw aliasOrigin.fail(Reason.UNKNOWN_ALIAS, "the keystore holds " + keyAliases.size() + " private keys ("
                    + describe(keyAliases) + "): set the alias of the device key");
        }
        String wanted = alias.trim();
        try {
            if (!store.containsAlias(wanted)) {
                throw aliasOrigin.fail(Reason.UNKNOWN_ALIAS, "the keystore has no entry with alias '" + wanted
                        + "' (private key entries: " + describe(keyAliases) + ")");
            }
            if (!store.isKeyEntry(wanted)) {
                throw aliasOrigin.fail(Reason.NO_PRIVATE_KEY, "entry '" + wanted + "' is a trusted certificate, not a "
                        + "private key with its certificate (private key entries: " + describe(keyAliases) + ")");
            }
        } catch (KeyStoreException e) {
            throw aliasOrigin.fail(Reason.CORRUPT, "cannot read entry '" + wanted + "': " + e.getMessage(), e);
        }
        return wanted;
    }

    private static PrivateKey privateKey(KeyStore store, String alias, char[] password, Origin aliasOrigin,
            Origin passwordOrigin) {
        Key key;
        try {
            key = store.getKey(alias, password);
        } catch (UnrecoverableKeyException e) {
            if (password.length == 0) {
                throw passwordOrigin.fail(Reason.PASSWORD_REQUIRED, "the private key '" + alias + "' is protected "
                        + "by a password and none is configured");
            }
            throw passwordOrigin.fail(Reason.WRONG_PASSWORD, "the private key '" + alias + "' cannot be recovered "
                    + "with the configured password (the key entry has a different password than the keystore?)");
        } catch (GeneralSecurityException e) {
            throw aliasOrigin.fail(Reason.UNSUPPORTED, "the key entry '" + alias + "' cannot be read: "
                    + e.getMessage(), e);
        }
        if (!(key instanceof PrivateKey)) {
            throw aliasOrigin.fail(Reason.NO_PRIVATE_KEY, "entry '" + alias + "' holds a secret key, not a private key");
        }
        return (PrivateKey) key;
    }

    private static List<X509Certificate> chain(KeyStore store, String alias, Origin aliasOrigin) {
        Certificate[] certificates;
        try {
            certificates = store.getCertificateChain(alias);
        } catch (KeyStoreException e) {
            throw aliasOrigin.fail(Reason.CORRUPT, "cannot read the certificate chain of '" + alias + "'", e);
        }
        if (certificates == null || certificates.length == 0) {
            throw aliasOrigin.fail(Reason.NO_CERTIFICATES, "the key entry '" + alias + "' has no certificate");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : certificates) {
            if (!(c instanceof X509Certificate)) {
                throw aliasOrigin.fail(Reason.UNSUPPORTED, "the key entry '" + alias + "' holds a " + c.getType()
                        + " certificate, not X.509");
            }
            chain.add((X509Certificate) c);
        }
        return chain;
    }

    private static String describe(List<String> aliases) {
        if (aliases.isEmpty()) {
            return "none";
        }
        List<String> quoted = new ArrayList<>();
        for (String a : aliases) {
            quoted.add("'" + a + "'");
        }
        return String.join(", ", quoted);
    }
}
