package org.iotgateway.testsupport;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * A throw-away certificate authority for tests, writing everything as PEM files into a directory.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(tempDir);                   // root CA "Test CA" (RSA 2048), ca file written
 * TestPki.Issued server = pki.server();                    // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
 * TestPki.Issued device = pki.client("device1");           // RSA key as PKCS#1, like the AWS IoT console
 * TestPki.Issued ecDevice = pki.cert("device2")
 *         .keyType(TestPki.KeyType.EC).keyFormat(TestPki.KeyFormat.SEC1_WITH_PARAMETERS).issue();
 * TestPki.Issued expired = pki.cert("old").expired().issue();
 * TestPki other = TestPki.create(tempDir, "Other CA");     // unrelated CA for "wrong CA" tests
 * }</pre>
 *
 * <p>Key pairs are expensive (RSA 2048 costs about 100 ms), so they are cached for the whole JVM by key type and
 * subject name: issuing "device1" twice (even from two CAs) reuses the same key pair, two different names get
 * different keys. Use {@link CertRequest#freshKey()} or {@link CertRequest#keyPair(KeyPair)} to control this.
 *
 * <p>BouncyCastle builds certificates and encodes keys with the JDK's JCA providers (its own provider instance only
 * encrypts keys); it is never registered as a provider, so code under test runs against the plain JDK. Instances are thread-safe enough for tests (issuing is
 * synchronized per instance).
 */
public final class TestPki {

    /** Key algorithms for issued certificates. CA keys are always RSA 2048. */
    public enum KeyType {
        /** RSA 2048. */
        RSA,
        /** EC on NIST P-256 (secp256r1, prime256v1): what AWS IoT "create certificate from CSR" users pick. */
        EC,
        /** EC on NIST P-384 (secp384r1). */
        EC_P384
    }

    /** How a private key file is encoded. */
    public enum KeyFormat {
        /** {@code -----BEGIN RSA PRIVATE KEY-----}: PKCS#1, what the AWS IoT console hands out. RSA only. */
        PKCS1,
        /** {@code -----BEGIN PRIVATE KEY-----}: unencrypted PKCS#8 PrivateKeyInfo (RSA or EC). */
        PKCS8,
        /** {@code -----BEGIN EC PRIVATE KEY-----}: SEC1 / RFC 5915 with curve parameters and public key. EC only. */
        SEC1,
        /**
         * An {@code EC PARAMETERS} block followed by a SEC1 {@code EC PRIVATE KEY} block, exactly what
         * {@code openssl ecparam -genkey -name prime256v1} prints. EC only.
         */
        SEC1_WITH_PARAMETERS,
        /**
         * {@code -----BEGIN ENCRYPTED PRIVATE KEY-----}: PKCS#8 encrypted with PBES2 (PBKDF2 with HMAC-SHA256,
         * AES-256-CBC, 2048 iterations), the default of {@code openssl pkcs8 -topk8} in OpenSSL 3. Needs a password.
         */
        ENCRYPTED_PKCS8
    }

    /** Default password used for {@link KeyFormat#ENCRYPTED_PKCS8} when none is given. */
    public static final String DEFAULT_KEY_PASSWORD = "changeit";

    private static final ConcurrentMap<String, KeyPair> KEY_CACHE = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
    /** Certificates start to be valid a bit in the past, so small clock differences never matter. */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private final Path dir;
    private final String name;
    private final X509Certificate caCertificate;
    private final KeyPair caKeyPair;
    private final Path caCertFile;
    /** The root of the hierarchy: {@code this} for a root CA. */
    private final TestPki root;
    /** Intermediate CA certificates from this CA up to (excluding) the root; empty for a root CA. */
    private final List<X509Certificate> intermediates;
    private final Set<String> usedFileNames;

    private TestPki(Path dir, String name, X509Certificate caCertificate, KeyPair caKeyPair, Path caCertFile,
            TestPki root, List<X509Certificate> intermediates, Set<String> usedFileNames) {
        this.dir = dir;
        this.name = name;
        this.caCertificate = caCertificate;
        this.caKeyPair = caKeyPair;
        this.caCertFile = caCertFile;
        this.root = root == null ? this : root;
        this.intermediates = List.copyOf(intermediates);
        this.usedFileNames = usedFileNames;
    }

    /**
     * Creates a root CA named "Test CA" in {@code dir} (created if missing) and writes its certificate.
     *
     * @param dir directory for all PEM files of this CA
     * @return the CA
     */
    public static TestPki create(Path dir) {
        return create(dir, "Test CA");
    }

    /**
     * Creates a root CA with the given common name in {@code dir} (created if missing) and writes its certificate
     * to {@code <name>.ca.pem}. Two CAs with different names are unrelated (different keys and subjects), which is
     * what "wrong CA" tests need; several CAs may share one directory.
     *
     * @param dir directory for all PEM files of this CA
     * @param caName the CA's common name
     * @return the CA
     */
    public static TestPki create(Path dir, String caName) {
        Objects.requireNonNull(caName, "caName");
        try {
            Files.createDirectories(dir);
            KeyPair keyPair = cachedKeyPair("ca", KeyType.RSA, caName);
            X500Name subject = x500(caName);
            Instant now = Instant.now();
            X509Certificate cert = sign(subject, keyPair.getPrivate(), null, subject, keyPair.getPublic(),
                    now.minus(BACKDATE), now.plus(Duration.ofDays(3650)), true, List.of());
            Set<String> used = Collections.synchronizedSet(new HashSet<>());
            Path file = dir.resolve(uniqueFileName(used, dir, fileSafe(caName) + ".ca.pem"));
            writeCertificates(file, cert);
            return new TestPki(dir, caName, cert, keyPair, file, null, List.of(), used);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates an intermediate CA signed by this CA. Certificates it issues are written with the intermediate
     * certificate(s) after the leaf in {@link Issued#cert()}, so a chain file has two or more certificates; their
     * {@link Issued#caCert()} is the root CA file (the trust anchor).
     *
     * @param intermediateName the intermediate CA's common name
     * @return the intermediate CA
     */
    public synchronized TestPki intermediate(String intermediateName) {
        try {
            KeyPair keyPair = cachedKeyPair("ca", KeyType.RSA, intermediateName);
            Instant now = Instant.now();
            X509Certificate cert = sign(x500(intermediateName), caKeyPair.getPrivate(), caCertificate,
                    x500(intermediateName), keyPair.getPublic(), now.minus(BACKDATE), now.plus(Duration.ofDays(1825)),
                    true, List.of());
            Path file = dir.resolve(uniqueFileName(usedFileNames, dir, fileSafe(intermediateName) + ".ca.pem"));
            writeCertificates(file, cert);
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            chain.addAll(intermediates);
            return new TestPki(dir, intermediateName, cert, keyPair, file, root, chain, usedFileNames);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the directory the files are written to */
    public Path dir() {
        return dir;
    }

    /** @return the CA common name */
    public String name() {
        return name;
    }

    /**
     * @return the PEM file holding this CA's certificate (for an intermediate CA: the intermediate's own
     *         certificate; use {@link #rootCaCert()} as trust anchor)
     */
    public Path caCert() {
        return caCertFile;
    }

    /** @return the PEM file of the root CA certificate, the trust anchor for everything this CA issues */
    public Path rootCaCert() {
        return root.caCertFile;
    }

    /** @return this CA's certificate */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** @return the root CA's certificate */
    public X509Certificate rootCaCertificate() {
        return root.caCertificate;
    }

    /** @return this CA's key pair */
    public KeyPair caKeyPair() {
        return caKeyPair;
    }

    /**
     * Issues a server certificate for {@code localhost}: CN=localhost, SANs DNS:localhost and IP:127.0.0.1, RSA key
     * in PKCS#8.
     *
     * @return the issued certificate and key
     */
    public Issued server() {
        return cert("localhost").sans("localhost", "127.0.0.1").keyFormat(KeyFormat.PKCS8).issue();
    }

    /**
     * Issues a server certificate for exactly the given names: the first is the common name, all become SANs (IPv4
     * and IPv6 literals as IP SANs, anything else as DNS SANs). RSA key in PKCS#8.
     *
     * @param names host names or IP literals, at least one
     * @return the issued certificate and key
     */
    public Issued server(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("at least one name");
        }
        return cert(names[0]).sans(names).keyFormat(KeyFormat.PKCS8).issue();
    }

    /**
     * Issues a client (device) certificate with an RSA key written as PKCS#1, like the AWS IoT console.
     *
     * @param commonName the subject common name, for example a thing name
     * @return the issued certificate and key
     */
    public Issued client(String commonName) {
        return cert(commonName).issue();
    }

    /**
     * Issues a client (device) certificate with the given key type and key file format.
     *
     * @param commonName the subject common name
     * @param keyType the key algorithm
     * @param keyFormat the private key file format (must fit the key type)
     * @return the issued certificate and key
     */
    public Issued client(String commonName, KeyType keyType, KeyFormat keyFormat) {
        return cert(commonName).keyType(keyType).keyFormat(keyFormat).issue();
    }

    /**
     * Starts a request for a certificate with full control. Defaults: RSA key as PKCS#1, no SANs, valid from one
     * hour ago for 365 days, extended key usage serverAuth and clientAuth, signed by this CA.
     *
     * @param commonName the subject common name
     * @return a request to customize and {@link CertRequest#issue() issue}
     */
    public CertRequest cert(String commonName) {
        return new CertRequest(commonName);
    }

    /** A certificate to issue; call {@link #issue()} when configured. Not thread-safe. */
    public final class CertRequest {
        private final String commonName;
        private final List<String> sans = new ArrayList<>();
        private KeyType keyType = KeyType.RSA;
        private KeyFormat keyFormat;
        private char[] password = DEFAULT_KEY_PASSWORD.toCharArray();
        private Instant notBefore;
        private Instant notAfter;
        private KeyPair keyPair;
        private boolean freshKey;
        private boolean includeCa;
        private String fileBase;

        private CertRequest(String commonName) {
            this.commonName = Objects.requireNonNull(commonName, "commonName");
        }

        /**
         * @param type key algorithm; the default key format follows it (RSA: PKCS#1, EC: PKCS#8) unless set
         * @return this
         */
        public CertRequest keyType(KeyType type) {
            this.keyType = Objects.requireNonNull(type);
            return this;
        }

        /**
         * @param format private key file format
         * @return this
         */
        public CertRequest keyFormat(KeyFormat format) {
            this.keyFormat = Objects.requireNonNull(format);
            return this;
        }

        /**
         * @param keyPassword password for {@link KeyFormat#ENCRYPTED_PKCS8} (default {@value #DEFAULT_KEY_PASSWORD})
         * @return this
         */
        public CertRequest password(String keyPassword) {
            this.password = keyPassword.toCharArray();
            return this;
        }

        /**
         * Adds subject alternative names: IPv4/IPv6 literals become IP SANs, anything else DNS SANs.
         *
         * @param names names to add
         * @return this
         */
        public CertRequest sans(String... names) {
            sans.addAll(Arrays.asList(names));
            return this;
        }

        /**
         * @param from notBefore
         * @param to notAfter
         * @return this
         */
        public CertRequest validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        /** @return this, with a validity that ended yesterday (notBefore 30 days ago) */
        public CertRequest expired() {
            Instant now = Instant.now();
            return validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        }

        /** @return this, with a validity starting tomorrow */
        public CertRequest notYetValid() {
            Instant now = Instant.now();
            return validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(366)));
        }

        /**
         * Uses this key pair instead of the cached one for (key type, common name).
         *
         * @param pair the key pair; its algorithm must match {@link #keyType(KeyType)}
         * @return this
         */
        public CertRequest keyPair(KeyPair pair) {
            this.keyPair = pair;
            return this;
        }

        /** @return this, generating a new key pair that is not shared with any other certificate */
        public CertRequest freshKey() {
            this.freshKey = true;
            return this;
        }

        /**
         * Appends the issuing CA certificate (and, for an intermediate, the chain up to but excluding the root)
         * after the leaf in the certificate file. Certificates issued by an intermediate CA always include the
         * intermediates.
         *
         * @return this
         */
        public CertRequest withCaInChain() {
            this.includeCa = true;
            return this;
        }

        /**
         * @param base file name prefix (default: the common name); files are {@code <base>.cert.pem} and
         *        {@code <base>.key.pem}, with a numeric suffix if already used in this directory
         * @return this
         */
        public CertRequest fileName(String base) {
            this.fileBase = base;
            return this;
        }

        /**
         * Creates the key pair (or takes it from the cache), signs the certificate and writes the files.
         *
         * @return the issued certificate, key and file paths
         */
        public Issued issue() {
            KeyFormat format = keyFormat != null ? keyFormat : keyType == KeyType.RSA ? KeyFormat.PKCS1 : KeyFormat.PKCS8;
            checkFormat(keyType, format);
            KeyPair pair = keyPair != null ? keyPair
                    : freshKey ? generateKeyPair(keyType) : cachedKeyPair("leaf", keyType, commonName);
            Instant now = Instant.now();
            Instant from = notBefore != null ? notBefore : now.minus(BACKDATE);
            Instant to = notAfter != null ? notAfter : now.plus(DEFAULT_VALIDITY);
            synchronized (TestPki.this) {
                try {
                    X509Certificate cert = sign(x500(commonName), caKeyPair.getPrivate(), caCertificate,
                            x500(commonName), pair.getPublic(), from, to, false, sans);
                    List<X509Certificate> chain = new ArrayList<>();
                    chain.add(cert);
                    chain.addAll(intermediates);
                    if (includeCa && intermediates.isEmpty()) {
                        // (with an intermediate CA the chain already ends right below the root)
                        chain.add(caCertificate);
                    }
                    String base = fileSafe(fileBase != null ? fileBase : commonName);
                    String certName = uniqueFileName(usedFileNames, dir, base + ".cert.pem");
                    base = certName.substring(0, certName.length() - ".cert.pem".length());
                    Path certFile = dir.resolve(certName);
                    writeCertificates(certFile, chain.toArray(new X509Certificate[0]));
                    Path keyFile = dir.resolve(uniqueFileName(usedFileNames, dir, base + ".key.pem"));
                    writeKey(keyFile, pair.getPrivate(), format, password);
                    return new Issued(commonName, certFile, keyFile, root.caCertFile, chain, root.caCertificate,
                            pair, keyType, format, password.clone(), base);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /**
     * Issues a client certificate for a public key whose private key this CA never sees, for example one generated
     * in a hardware token, valid from an hour ago for a year.
     *
     * @param commonName the subject common name
     * @param publicKey the subject's public key
     * @return the certificate chain: the leaf, then the intermediates of this CA (if any)
     */
    public synchronized List<X509Certificate> certify(String commonName, java.security.PublicKey publicKey) {
        Instant now = Instant.now();
        try {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(sign(x500(commonName), caKeyPair.getPrivate(), caCertificate, x500(commonName), publicKey,
                    now.minus(BACKDATE), now.plus(DEFAULT_VALIDITY), false, List.of()));
            chain.addAll(intermediates);
            return chain;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An issued certificate with its key, as Java objects and as files. Immutable. */
    public final class Issued {
        private final String commonName;
        private final Path cert;
        private final Path key;
        private final Path caCert;
        private final List<X509Certificate> chain;
        private final X509Certificate caCertificate;
        private final KeyPair keyPair;
        private final KeyType keyType;
        private final KeyFormat keyFormat;
        private final char[] password;
        private final String fileBase;

        private Issued(String commonName, Path cert, Path key, Path caCert, List<X509Certificate> chain,
                X509Certificate caCertificate, KeyPair keyPair, KeyType keyType, KeyFormat keyFormat, char[] password,
                String fileBase) {
            this.commonName = commonName;
            this.cert = cert;
            this.key = key;
            this.caCert = caCert;
            this.chain = List.copyOf(chain);
            this.caCertificate = caCertificate;
            this.keyPair = keyPair;
            this.keyType = keyType;
            this.keyFormat = keyFormat;
            this.password = password;
            this.fileBase = fileBase;
        }

        /** @return the subject common name */
        public String name() {
            return commonName;
        }

        /** @return the certificate PEM file: the leaf first, then intermediates (see {@link #chain()}) */
        public Path cert() {
            return cert;
        }

        /** @return the private key PEM file, in {@link #keyFormat()} */
        public Path key() {
            return key;
        }

        /** @return the root CA certificate PEM file (trust anchor) */
        public Path caCert() {
            return caCert;
        }

        /** @return the leaf certificate */
        public X509Certificate certificate() {
            return chain.get(0);
        }

        /** @return the certificates written to {@link #cert()}, leaf first */
        public List<X509Certificate> chain() {
            return chain;
        }

        /** @return the root CA certificate */
        public X509Certificate caCertificate() {
            return caCertificate;
        }

        /** @return the private key */
        public PrivateKey privateKey() {
            return keyPair.getPrivate();
        }

        /** @return the key pair */
        public KeyPair keyPair() {
            return keyPair;
        }

        /** @return the key algorithm */
        public KeyType keyType() {
            return keyType;
        }

        /** @return the format of {@link #key()} */
        public KeyFormat keyFormat() {
            return keyFormat;
        }

        /** @return the password of an {@link KeyFormat#ENCRYPTED_PKCS8} key file (a copy) */
        public char[] keyPassword() {
            return password.clone();
        }

        /**
         * Writes the same private key again in another format, to {@code <base>.<format>.key.pem}.
         *
         * @param format the format, which must fit the key type
         * @return the new file
         */
        public Path writeKey(KeyFormat format) {
            checkFormat(keyType, format);
            Path file = dir.resolve(uniqueFileName(usedFileNames, dir,
                    fileBase + "." + format.name().toLowerCase().replace('_', '-') + ".key.pem"));
            try {
                TestPki.writeKey(file, keyPair.getPrivate(), format, password);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        }

        @Override
        public String toString() {
            return "Issued[" + commonName + ", " + keyType + "/" + keyFormat + ", " + cert + "]";
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // static helpers, usable on their own

    /**
     * Writes certificates as consecutive PEM {@code CERTIFICATE} blocks (LF line endings).
     *
     * @param file the file to (over)write
     * @param certificates the certificates, in order
     * @throws IOException if writing fails
     */
    public static void writeCertificates(Path file, X509Certificate... certificates) throws IOException {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : certificates) {
            try {
                pem.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    /**
     * Writes a private key in the given format.
     *
     * @param file the file to (over)write
     * @param key an RSA or EC private key from the JDK providers
     * @param format the format; PKCS#1 needs an RSA key, SEC1 an EC key
     * @param password the password for {@link KeyFormat#ENCRYPTED_PKCS8}, ignored otherwise
     * @throws IOException if writing fails
     */
    public static void writeKey(Path file, PrivateKey key, KeyFormat format, char[] password) throws IOException {
        Files.writeString(file, encodeKey(key, format, password), StandardCharsets.US_ASCII);
    }

    /**
     * Encodes a private key as PEM text in the given format.
     *
     * @param key an RSA or EC private key
     * @param format the format
     * @param password the password for {@link KeyFormat#ENCRYPTED_PKCS8}, ignored otherwise
     * @return the PEM text with LF line endings
     */
    public static String encodeKey(PrivateKey key, KeyFormat format, char[] password) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            switch (format) {
                case PKCS8:
                    return pem("PRIVATE KEY", key.getEncoded());
                case PKCS1:
                    requireAlgorithm(key, "RSA", format);
                    return pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded("DER"));
                case SEC1:
                case SEC1_WITH_PARAMETERS: {
                    requireAlgorithm(key, "EC", format);
                    ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(
                            info.getPrivateKeyAlgorithm().getParameters());
                    ECPrivateKey ec = (ECPrivateKey) key;
                    int orderBits = ec.getParams().getOrder().bitLength();
                    DERBitString publicKey = publicKeyBits(key, curve);
                    ASN1Encodable sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(orderBits, ec.getS(), publicKey,
                            curve);
                    String body = pem("EC PRIVATE KEY", sec1.toASN1Primitive().getEncoded("DER"));
                    return format == KeyFormat.SEC1 ? body : pem("EC PARAMETERS", curve.getEncoded("DER")) + body;
                }
                case ENCRYPTED_PKCS8: {
                    // BouncyCastle's own provider instance (not registered): the JDK lacks "AES/CBC/PKCS7Padding"
                    OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                            .setProvider(BouncyCastle.PROVIDER)
                            .setPRF(JcaPKCS8Generator.PRF_HMACSHA256)
                            .setIterationCount(2048)
                            .setRandom(RANDOM)
                            .setPassword(password)
                            .build();
                    PemObject object = new JcaPKCS8Generator(key, encryptor).generate();
                    return pem(object.getType(), object.getContent());
                }
                default:
                    throw new IllegalArgumentException(format.toString());
            }
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot encode " + key.getAlgorithm() + " key as " + format, e);
        }
    }

    /**
     * Encodes bytes as one PEM block with 64-character lines and LF line endings.
     *
     * @param type the label, for example {@code CERTIFICATE}
     * @param der the content
     * @return the PEM text, ending with a newline
     */
    public static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // PemWriter uses the platform line separator; tests want deterministic LF
        return out.toString().replace("\r\n", "\n");
    }

    /**
     * Generates a new key pair (not cached).
     *
     * @param type key algorithm
     * @return a fresh key pair from the JDK providers
     */
    public static KeyPair generateKeyPair(KeyType type) {
        try {
            KeyPairGenerator generator;
            switch (type) {
                case RSA:
                    generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048, RANDOM);
                    break;
                case EC:
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                    break;
                case EC_P384:
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp384r1"), RANDOM);
                    break;
                default:
                    throw new IllegalArgumentException(type.toString());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Created on first use only: instantiating the provider takes a second. */
    private static final class BouncyCastle {
        static final java.security.Provider PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    }

    private static KeyPair cachedKeyPair(String purpose, KeyType type, String name) {
        return KEY_CACHE.computeIfAbsent(purpose + "/" + type + "/" + name, k -> generateKeyPair(type));
    }

    private static void checkFormat(KeyType type, KeyFormat format) {
        boolean rsa = type == KeyType.RSA;
        if (rsa && (format == KeyFormat.SEC1 || format == KeyFormat.SEC1_WITH_PARAMETERS)) {
            throw new IllegalArgumentException(format + " needs an EC key");
        }
        if (!rsa && format == KeyFormat.PKCS1) {
            throw new IllegalArgumentException("PKCS1 needs an RSA key");
        }
    }

    private static void requireAlgorithm(PrivateKey key, String algorithm, KeyFormat format) {
        if (!algorithm.equals(key.getAlgorithm())) {
            throw new IllegalArgumentException(format + " needs an " + algorithm + " key, not " + key.getAlgorithm());
        }
    }

    /** The public point of an EC private key, computed with BouncyCastle's EC arithmetic (Q = d * G). */
    private static DERBitString publicKeyBits(PrivateKey key, ASN1ObjectIdentifier curve) {
        org.bouncycastle.asn1.x9.X9ECParameters params = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(curve);
        org.bouncycastle.math.ec.ECPoint q = params.getG().multiply(((ECPrivateKey) key).getS()).normalize();
        return new DERBitString(q.getEncoded(false));
    }

    private static X509Certificate sign(X500Name subject, PrivateKey issuerKey, X509Certificate issuerCert,
            X500Name selfIssuer, java.security.PublicKey subjectKey, Instant from, Instant to, boolean ca,
            List<String> sans) throws IOException {
        try {
            X500Name issuer = issuerCert == null ? selfIssuer
                    : X500Name.getInstance(issuerCert.getSubjectX500Principal().getEncoded());
            BigInteger serial = new BigInteger(63, RANDOM).add(BigInteger.ONE);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(from),
                    Date.from(to), subject, subjectKey);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            if (issuerCert != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(issuerCert));
            } else {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(subjectKey));
            }
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                int usage = "RSA".equals(subjectKey.getAlgorithm())
                        ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                        : KeyUsage.digitalSignature | KeyUsage.keyAgreement;
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                if (!sans.isEmpty()) {
                    GeneralName[] names = sans.stream().map(TestPki::generalName).toArray(GeneralName[]::new);
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                }
            }
            String algorithm = "RSA".equals(issuerKey.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
            ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign certificate for " + subject, e);
        }
    }

    private static GeneralName generalName(String name) {
        boolean ip = IPV4.matcher(name).matches() || name.indexOf(':') >= 0;
        return new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name);
    }

    private static X500Name x500(String commonName) {
        // escape the few characters that are special in RFC 4514 names
        String escaped = commonName.replaceAll("([,+\"\\\\<>;=])", "\\\\$1");
        return new X500Name("O=iot-gateway-bundles tests,CN=" + escaped);
    }

    private static String fileSafe(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]+", "-");
        return safe.isEmpty() ? "cert" : safe;
    }

    private static String uniqueFileName(Set<String> used, Path dir, String candidate) {
        synchronized (used) {
            String name = candidate;
            int dot = candidate.indexOf('.');
            String stem = dot < 0 ? candidate : candidate.substring(0, dot);
            String rest = dot < 0 ? "" : candidate.substring(dot);
            for (int i = 2; used.contains(name) || Files.exists(dir.resolve(name)); i++) {
                name = stem + "-" + i + rest;
            }
            used.add(name);
            return name;
        }
    }
}
