package org.iotgateway.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.iotgateway.tls.TlsMaterialException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds client {@link SSLContext}s from PEM files: the CA certificates to trust and the device certificate with its
 * private key, as AWS IoT Core, Greengrass cores and other MQTT brokers with mutual TLS expect.
 *
 * <pre>{@code
 * SSLContext context = TlsContexts.builder()
 *         .trustedCertificates(Path.of("/etc/aws/AmazonRootCA1.pem"), "ca.file")
 *         .clientCertificate(Path.of("/etc/aws/device.pem.crt"), "cert.file",
 *                            Path.of("/etc/aws/private.pem.key"), "key.file")
 *         .build();
 * SSLSocketFactory factory = SafeSocketFactory.builder(context).build();
 * }</pre>
 *
 * <p>Checks done while building, each failing with a {@link TlsMaterialException} that names file and setting: all
 * files readable and well-formed ({@link Pem}); the private key belongs to the first certificate of the certificate
 * file (a signature made with the key must verify with the certificate); the device certificate has not expired.
 * A device certificate that is not yet valid only logs a warning, because a gateway without a battery-backed clock
 * boots in the past until NTP corrects it.
 *
 * <p>Without CA certificates the Java runtime's default trust store is used (it contains the Amazon root CAs).
 * Instances hold no global state; each {@link Builder#build()} returns a new, independent context.
 */
public final class TlsContexts {

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);

    /** Certificates expiring sooner than this get a warning in the log. */
    private static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    private TlsContexts() {
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects TLS material; not thread-safe, reusable. */
    public static final class Builder {
        private final List<Path> caFiles = new ArrayList<>();
        private final List<String> caSettings = new ArrayList<>();
        private final List<X509Certificate> caCertificates = new ArrayList<>();
        private Path certFile;
        private String certSetting;
        private Path keyFile;
        private String keySetting;
        private char[] keyPassword;
        private Path keyStoreFile;
        private char[] keyStorePassword;
        private String keyStoreAlias;
        private KeyStores.Settings keyStoreSettings;
        private KeyManager[] keyManagers;
        private Pkcs11Keys.Request pkcs11;
        private Path pkcs11CertFile;
        private String pkcs11CertSetting;
        private Object pkcs11Owner;
        private TrustManager[] trustManagers;
        private Clock clock = Clock.systemUTC();
        private String protocol = "TLS";

        private Builder() {
        }

        /**
         * Trusts the CA certificates of a PEM file (one or more CERTIFICATE blocks). May be called several times.
         * Without any trusted certificates the Java runtime's default trust store is used.
         *
         * @param caFile the PEM file
         * @param setting the configuration setting that named it, for error messages (may be null)
         * @return this
         */
        public Builder trustedCertificates(Path caFile, String setting) {
            caFiles.add(Objects.requireNonNull(caFile, "caFile"));
            caSettings.add(setting);
            return this;
        }

        /**
         * Trusts these CA certificates, for example those received from Greengrass discovery ({@link
         * Pem#parseCertificates(String, String)}). May be combined with files.
         *
         * @param certificates the certificates
         * @return this
         */
        public Builder trustedCertificates(Collection<X509Certificate> certificates) {
            caCertificates.addAll(certificates);
            return this;
        }

        /**
         * Authenticates with this device certificate and private key (mutual TLS).
         *
         * @param certificateFile PEM file with the device certificate first, optionally followed by intermediates
         * @param certificateSetting the setting that named it, for error messages (may be null)
         * @param privateKeyFile PEM file with the private key (PKCS#1, PKCS#8, SEC1, or encrypted PKCS#8 with {@link
         *        #keyPassword(char[])})
         * @param privateKeySetting the setting that named it, for error messages (may be null)
         * @return this
         */
        public Builder clientCertificate(Path certificateFile, String certificateSetting, Path privateKeyFile,
                String privateKeySetting) {
            this.certFile = Objects.requireNonNull(certificateFile, "certificateFile");
            this.certSetting = certificateSetting;
            this.keyFile = Objects.requireNonNull(privateKeyFile, "privateKeyFile");
            this.keySetting = privateKeySetting;
            return this;
        }

        /**
         * Authenticates with the private key and certificate chain of a keystore entry (mutual TLS), the alternative
         * to {@link #clientCertificate(Path, String, Path, String)}. See {@link KeyStores}.
         *
         * @param file a PKCS#12 or JKS keystore
         * @param password its password (also the key entry's); may be null; the builder keeps a copy
         * @param alias the key entry's alias, or null or empty for the only key entry
         * @param settings the settings naming file, password and alias, for error messages
         * @return this
         */
        public Builder clientKeyStore(Path file, char[] password, String alias, KeyStores.Settings settings) {
            this.keyStoreFile = Objects.requireNonNull(file, "file");
            this.keyStorePassword = password == null ? null : password.clone();
            this.keyStoreAlias = alias;
            this.keyStoreSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Authenticates with a private key that stays in a PKCS#11 token (mutual TLS), the alternative to key files
         * and keystores. See {@link Pkcs11Keys}: the key manager holds the token's key handle, never key material.
         *
         * @param request library, slot or token label, PIN and key label
         * @param certificateFile PEM file with the device certificate (and chain), or null to use the certificate
         *        stored with the key in the token
         * @param certificateSetting the setting naming the certificate file, for messages
         * @param owner who uses the token (one per configuration), see {@link Pkcs11Keys#release(Object)}
         * @return this
         */
        public Builder clientPkcs11(Pkcs11Keys.Request request, Path certificateFile, String certificateSetting,
                Object owner) {
            this.pkcs11 = Objects.requireNonNull(request, "request");
            this.pkcs11CertFile = certificateFile;
            this.pkcs11CertSetting = certificateSetting;
            this.pkcs11Owner = Objects.requireNonNull(owner, "owner");
            return this;
        }

        /**
         * @param password password of an {@code ENCRYPTED PRIVATE KEY} file, or null; the builder keeps a copy
         *        (so {@link #build()} can run again), the caller may wipe its array
         * @return this
         */
        public Builder keyPassword(char[] password) {
            this.keyPassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * Uses these key managers instead of a certificate and key file, for example from a keystore or a gateway
         * crypto service.
         *
         * @param managers the key managers
         * @return this
         */
        public Builder keyManagers(KeyManager... managers) {
            this.keyManagers = managers.clone();
            return this;
        }

        /**
         * Uses these trust managers instead of CA certificates, for example from a gateway's SSL service.
         *
         * @param managers the trust managers
         * @return this
         */
        public Builder trustManagers(TrustManager... managers) {
            this.trustManagers = managers.clone();
            return this;
        }

        /**
         * @param time clock for the certificate validity checks (default: system UTC)
         * @return this
         */
        public Builder clock(Clock time) {
            this.clock = Objects.requireNonNull(time);
            return this;
        }

        /**
         * @param sslContextProtocol the {@link SSLContext} algorithm (default "TLS"); the enabled protocol versions
         *        are set per socket by {@link SafeSocketFactory}
         * @return this
         */
        public Builder protocol(String sslContextProtocol) {
            this.protocol = Objects.requireNonNull(sslContextProtocol);
            return this;
        }

        /**
         * Reads and checks all material and builds a new context.
         *
         * @return an initialized client context
         * @throws TlsMaterialException if any material cannot be used
         * @throws IllegalStateException if more than one of a certificate file, a keystore and key managers were
         *         given, or both CA
         *         certificates and trust managers
         */
        public SSLContext build() {
            int clientSources = (certFile != null ? 1 : 0) + (keyStoreFile != null ? 1 : 0)
                    + (keyManagers != null ? 1 : 0) + (pkcs11 != null ? 1 : 0);
            if (clientSources > 1) {
                throw new IllegalStateException("give one of a client certificate and key file, a keystore or key "
                        + "managers, not several");
            }
            if (trustManagers != null && (!caFiles.isEmpty() || !caCertificates.isEmpty())) {
                throw new IllegalStateException("give either CA certificates or trust managers, not both");
            }
            TrustManager[] serverTrust = trustManagers != null ? trustManagers.clone() : caTrustManagers();
            KeyManager[] clientKeyManagers = keyManagers != null ? keyManagers.clone() : clientKeys();
            try {
                SSLContext context = SSLContext.getInstance(protocol);
                context.init(clientKeyManagers, serverTrust, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot create a " + protocol + " context", e);
            }
        }

        /**
         * Reads and checks the client key and certificate only (files, keystore or token), for using the same loaded
         * key with several contexts ({@link #keyManagers(KeyManager...)}): a key in a PKCS#11 token is then logged in
         * to once, not once per context.
         *
         * @return the key manager of the configured client certificate, or null if none is configured
         * @throws TlsMaterialException if the material cannot be used
         * @throws IllegalStateException if several client sources were given
         */
        public KeyManager clientKeyManager() {
            int clientSources = (certFile != null ? 1 : 0) + (keyStoreFile != null ? 1 : 0)
                    + (keyManagers != null ? 1 : 0) + (pkcs11 != null ? 1 : 0);
            if (clientSources > 1) {
                throw new IllegalStateException("give one of a client certificate and key file, a keystore or key "
                        + "managers, not several");
            }
            if (keyManagers != null) {
                return keyManagers.length == 0 ? null : keyManagers[0];
            }
            KeyManager[] managers = clientKeys();
            return managers == null ? null : managers[0];
        }

        private KeyManager[] clientKeys() {
            return certFile != null ? new KeyManager[] {fileKeyManager()}
                    : keyStoreFile != null ? new KeyManager[] {KeyStores.keyManager(keyStoreFile, keyStorePassword,
                            keyStoreAlias, keyStoreSettings, clock)}
                    : pkcs11 != null ? new KeyManager[] {pkcs11KeyManager()}
                    : null;
        }

        private TrustManager[] caTrustManagers() {
            List<X509Certificate> trusted = new ArrayList<>(caCertificates);
            for (int i = 0; i < caFiles.size(); i++) {
                Origin origin = Origin.file(Origin.CA_FILE, caSettings.get(i), caFiles.get(i));
                List<X509Certificate> certificates = Pem.certificates(PemReader.readFile(origin), origin);
                for (X509Certificate ca : certificates) {
                    warnIfOutsideValidity(ca, origin, "CA certificate");
                }
                LOG.debug("{}: trusting {} CA certificate(s)", origin, certificates.size());
                trusted.addAll(certificates);
            }
            try {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                if (trusted.isEmpty()) {
                    LOG.debug("no CA certificates configured: trusting the Java runtime's default CAs");
                    factory.init((KeyStore) null);
                } else {
                    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                    store.load(null, null);
                    for (int i = 0; i < trusted.size(); i++) {
                        store.setCertificateEntry("ca-" + i, trusted.get(i));
                    }
                    factory.init(store);
                }
                return factory.getTrustManagers();
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot create a trust manager", e);
            }
        }

        private KeyManager fileKeyManager() {
            Origin certOrigin = Origin.file(Origin.CERTIFICATE_FILE, certSetting, certFile);
            Origin keyOrigin = Origin.file(Origin.PRIVATE_KEY_FILE, keySetting, keyFile);
            List<X509Certificate> chain = Pem.certificates(PemReader.readFile(certOrigin), certOrigin);
            PrivateKey key = Pem.privateKey(PemReader.readFile(keyOrigin), keyOrigin, keyPassword);
            checkKeyMatches(key, chain, keyOrigin, certOrigin);
            X509Certificate leaf = chain.get(0);
            checkValidity(leaf, certOrigin, clock);
            for (int i = 1; i < chain.size(); i++) {
                warnIfOutsideValidity(chain.get(i), certOrigin, "certificate #" + (i + 1));
            }
            LOG.info("{}: client certificate {} issued by {}, valid until {}, {} key", certOrigin,
                    leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(), leaf.getNotAfter().toInstant(),
                    key.getAlgorithm());
            return new SingleKeyManager(key, chain);
        }

        private KeyManager pkcs11KeyManager() {
            Pkcs11Keys.TokenKey tokenKey = Pkcs11Keys.load(pkcs11, pkcs11Owner);
            Origin keyOrigin = Origin.text(tokenKey.description());
            List<X509Certificate> chain;
            Origin certOrigin;
            if (pkcs11CertFile != null) {
                certOrigin = Origin.file(Origin.CERTIFICATE_FILE, pkcs11CertSetting, pkcs11CertFile);
                chain = Pem.certificates(PemReader.readFile(certOrigin), certOrigin);
            } else {
                certOrigin = keyOrigin;
                chain = tokenKey.chain();
                if (chain.isEmpty()) {
                    throw Origin.setting(Pkcs11Keys.KEY_LABEL, null).fail(Reason.NO_CERTIFICATES, tokenKey.description()
                            + " has no certificate in the token: store it there or set " + pkcs11CertSetting);
                }
            }
            // signs in the token: proves the PIN session works and the key belongs to the certificate
            checkKeyMatches(tokenKey.key(), chain, keyOrigin, certOrigin);
            X509Certificate leaf = chain.get(0);
            checkValidity(leaf, certOrigin, clock);
            LOG.info("{}: client certificate {} issued by {}, valid until {}, key in the PKCS#11 token", certOrigin,
                    leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(), leaf.getNotAfter().toInstant());
            return new SingleKeyManager(tokenKey.key(), chain);
        }

        private void warnIfOutsideValidity(X509Certificate certificate, Origin origin, String what) {
            Instant now = clock.instant();
            if (now.isAfter(certificate.getNotAfter().toInstant())) {
                LOG.warn("{}: {} {} expired on {}", origin, what, certificate.getSubjectX500Principal(),
                        certificate.getNotAfter().toInstant());
            } else if (now.isBefore(certificate.getNotBefore().toInstant())) {
                LOG.warn("{}: {} {} is not valid before {}; check the gateway clock", origin, what,
                        certificate.getSubjectX500Principal(), certificate.getNotBefore().toInstant());
            }
        }
    }

    /**
     * Fails if the device certificate has expired; warns if it is not yet valid or expires soon.
     */
    static void checkValidity(X509Certificate certificate, Origin origin, Clock clock) {
        Instant now = clock.instant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        Instant notBefore = certificate.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            throw origin.fail(Reason.EXPIRED, "certificate " + certificate.getSubjectX500Principal() + " expired on "
                    + notAfter + " (notAfter); the server will refuse it: renew the device certificate");
        }
        if (now.isBefore(notBefore)) {
            LOG.warn("{}: certificate {} is not valid before {} (notBefore, now is {}); the server will refuse it "
                    + "until then; if the gateway clock is wrong, fix it (NTP)", origin,
                    certificate.getSubjectX500Principal(), notBefore, now);
        } else if (now.plus(EXPIRY_WARNING).isAfter(notAfter)) {
            LOG.warn("{}: certificate {} expires on {}: renew it", origin, certificate.getSubjectX500Principal(),
                    notAfter);
        }
    }

    /**
     * Proves that the private key belongs to the first certificate: signs random data with the key and verifies the
     * signature with the certificate's public key (SHA256withRSA or SHA256withECDSA).
     *
     * @throws TlsMaterialException KEY_MISMATCH, naming both files
     */
    static void checkKeyMatches(PrivateKey key, List<X509Certificate> chain, Origin keyOrigin, Origin certOrigin) {
        X509Certificate leaf = chain.get(0);
        if (signatureVerifies(key, leaf)) {
            return;
        }
        for (int i = 1; i < chain.size(); i++) {
            if (signatureVerifies(key, chain.get(i))) {
                throw keyOrigin.fail(Reason.KEY_MISMATCH, "the private key belongs to certificate #" + (i + 1) + " ("
                        + chain.get(i).getSubjectX500Principal() + ") of " + certOrigin + ", not to the first one; "
                        + "the device certificate must come first in the certificate file");
            }
        }
        String certificateAlgorithm = leaf.getPublicKey().getAlgorithm();
        if (!certificateAlgorithm.equals(key.getAlgorithm())) {
            throw keyOrigin.fail(Reason.KEY_MISMATCH, "the private key is an " + key.getAlgorithm() + " key, but the "
                    + "certificate " + leaf.getSubjectX500Principal() + " in " + certOrigin + " holds an "
                    + certificateAlgorithm + " public key: the key does not match the certificate");
        }
        throw keyOrigin.fail(Reason.KEY_MISMATCH, "the private key does not match the certificate "
                + leaf.getSubjectX500Principal() + " in " + certOrigin);
    }

    private static boolean signatureVerifies(PrivateKey key, X509Certificate certificate) {
        String algorithm = key.getAlgorithm();
        if (!algorithm.equals(certificate.getPublicKey().getAlgorithm())) {
            return false;
        }
        String signatureAlgorithm;
        if ("RSA".equals(algorithm)) {
            signatureAlgorithm = "SHA256withRSA";
        } else if ("EC".equals(algorithm)) {
            signatureAlgorithm = "SHA256withECDSA";
        } else {
            return false;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(signatureAlgorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(signatureAlgorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // for example an EC key on another curve than the certificate's: not a match
            LOG.debug("key check with {} failed: {}", signatureAlgorithm, e.toString());
            return false;
        } finally {
            Arrays.fill(challenge, (byte) 0);
        }
    }
}
