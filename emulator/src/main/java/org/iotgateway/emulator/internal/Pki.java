package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.iotgateway.emulator.DeviceCredentials;
import org.iotgateway.emulator.EmulatorCertificates;
import org.iotgateway.emulator.EmulatorException;
import org.iotgateway.emulator.KeyAlgorithm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates or loads the CA, the server certificate and device certificates, and keeps the registry
 * of client certificates the discovery endpoint knows.
 *
 * <p>Files in {@link #directory()}: {@code ca.cert.pem}, {@code ca.private.key},
 * {@code server.cert.pem}, {@code server.private.key}, {@code devices/<name>.cert.pem},
 * {@code devices/<name>.private.key}.
 */
public final class Pki implements EmulatorCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(Pki.class);
    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String CERT_SUFFIX = ".cert.pem";
    private static final String KEY_SUFFIX = ".private.key";

    /** Where the certificates come from. */
    public record Settings(Path directory, KeyAlgorithm keyAlgorithm, List<String> serverNames, Path caCertificate,
            Path caPrivateKey, Path serverCertificate, Path serverPrivateKey, List<Path> extraTrustedCas) {
    }

    private final Settings settings;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, DeviceCredentials> devices = new ConcurrentHashMap<>();
    /** SHA-256 fingerprints (hex) of client certificates the emulator knows. */
    private final Set<String> knownClients = ConcurrentHashMap.newKeySet();

    private X509Certificate caCert;
    private PrivateKey caKey; // null when a configured CA came without its key
    private Path caCertFile;
    private X509Certificate serverCert;
    private PrivateKey serverKey;
    private Path serverCertFile;
    private final List<X509Certificate> trustedCas = new ArrayList<>();

    public Pki(Settings settings) {
        this.settings = settings;
    }

    /** Loads what exists, generates what is missing, and makes sure the named devices exist. */
    public synchronized void init(Collection<String> deviceNames) {
        try {
            Files.createDirectories(settings.directory());
            loadOrCreateCa();
            loadOrCreateServer();
            trustedCas.clear();
            trustedCas.add(caCert);
            for (Path extra : settings.extraTrustedCas()) {
                trustedCas.addAll(readCertificates(extra));
            }
            loadExistingDevices();
            for (String name : deviceNames) {
                issueDevice(name);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new EmulatorException("cannot prepare certificates in " + settings.directory() + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------ CA and server

    private void loadOrCreateCa() throws IOException, GeneralSecurityException {
        if (settings.caCertificate() != null) {
            caCertFile = settings.caCertificate();
            caCert = readCertificates(caCertFile).get(0);
            caKey = settings.caPrivateKey() == null ? null : readPrivateKey(settings.caPrivateKey());
            return;
        }
        Path certFile = settings.directory().resolve("ca" + CERT_SUFFIX);
        Path keyFile = settings.directory().resolve("ca" + KEY_SUFFIX);
        caCertFile = certFile;
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            caCert = readCertificates(certFile).get(0);
            caKey = readPrivateKey(keyFile);
            return;
        }
        KeyPair kp = generateKeyPair();
        caCert = CertificateIssuer.ca("CN=iotgw-emulator CA " + Long.toHexString(random.nextLong() & 0xffffffL)
                + ",O=iot-gateway-bundles emulator", kp, serial());
        caKey = kp.getPrivate();
        writePem(keyFile, kp.getPrivate(), true);
        writePem(certFile, caCert, false);
        LOG.info("Generated emulator CA {}", certFile);
    }

    private void loadOrCreateServer() throws IOException, GeneralSecurityException {
        if (settings.serverCertificate() != null) {
            serverCertFile = settings.serverCertificate();
            serverCert = readCertificates(serverCertFile).get(0);
            serverKey = readPrivateKey(settings.serverPrivateKey());
            return;
        }
        Path certFile = settings.directory().resolve("server" + CERT_SUFFIX);
        Path keyFile = settings.directory().resolve("server" + KEY_SUFFIX);
        serverCertFile = certFile;
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            X509Certificate existing = readCertificates(certFile).get(0);
            if (existing.getIssuerX500Principal().equals(caCert.getSubjectX500Principal())
                    && coversNames(existing)) {
                serverCert = existing;
                serverKey = readPrivateKey(keyFile);
                return;
            }
            LOG.info("Server certificate {} does not match the CA or the server names; generating a new one",
                    certFile);
        }
        requireCaKey("the server certificate");
        KeyPair kp = generateKeyPair();
        serverCert = CertificateIssuer.leaf(caCert, caKey, "localhost", kp.getPublic(), serial(), serverNames());
        serverKey = kp.getPrivate();
        writePem(keyFile, kp.getPrivate(), true);
        writePem(certFile, serverCert, false);
        LOG.info("Generated emulator server certificate {} for {}", certFile, serverNames());
    }

    private Set<String> serverNames() {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        names.addAll(settings.serverNames());
        return names;
    }

    private boolean coversNames(X509Certificate cert) throws GeneralSecurityException {
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        Set<String> present = new java.util.HashSet<>();
        for (List<?> san : sans) {
            String value = String.valueOf(san.get(1));
            present.add(isIpAddress(value) ? normalizeIp(value) : value.toLowerCase(java.util.Locale.ROOT));
        }
        for (String n : serverNames()) {
            String key = isIpAddress(n) ? normalizeIp(n) : n.toLowerCase(java.util.Locale.ROOT);
            if (!present.contains(key)) {
                return false;
            }
        }
        return true;
    }

    private static String normalizeIp(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (IOException e) {
            return ip;
        }
    }

    static boolean isIpAddress(String s) {
        return s.matches("[0-9.]+") || (s.contains(":") && s.matches("[0-9a-fA-F:.]+"));
    }

    // ------------------------------------------------------------------ devices

    private void loadExistingDevices() throws IOException, GeneralSecurityException {
        Path dir = settings.directory().resolve("devices");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path cert : (Iterable<Path>) files::iterator) {
                String file = cert.getFileName().toString();
                if (!file.endsWith(CERT_SUFFIX)) {
                    continue;
                }
                String name = file.substring(0, file.length() - CERT_SUFFIX.length());
                Path key = dir.resolve(name + KEY_SUFFIX);
                if (!DEVICE_NAME.matcher(name).matches() || !Files.exists(key)) {
                    continue;
                }
                X509Certificate c = readCertificates(cert).get(0);
                DeviceCredentials creds = new DeviceCredentials(name, cert, key, c, readPrivateKey(key), caCert);
                devices.put(name, creds);
                knownClients.add(fingerprint(c));
            }
        }
    }

    /** Returns the device's credentials, generating and writing them when they do not exist yet. */
    public synchronized DeviceCredentials issueDevice(String name) {
        if (name == null || !DEVICE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("device name must match [A-Za-z0-9_-]{1,64}: " + name);
        }
        DeviceCredentials existing = devices.get(name);
        if (existing != null) {
            return existing;
        }
        try {
            requireCaKey("device certificates");
            KeyPair kp = generateKeyPair();
            X509Certificate cert = CertificateIssuer.leaf(caCert, caKey, name, kp.getPublic(), serial(), null);
            Path dir = settings.directory().resolve("devices");
            Files.createDirectories(dir);
            Path certFile = dir.resolve(name + CERT_SUFFIX);
            Path keyFile = dir.resolve(name + KEY_SUFFIX);
            writePem(keyFile, kp.getPrivate(), true);
            writePem(certFile, cert, false);
            DeviceCredentials creds = new DeviceCredentials(name, certFile, keyFile, cert, kp.getPrivate(), caCert);
            devices.put(name, creds);
            knownClients.add(fingerprint(cert));
            LOG.info("Generated device certificate {}", certFile);
            return creds;
        } catch (IOException | GeneralSecurityException e) {
            throw new EmulatorException("cannot issue a certificate for device " + name + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------ known client certificates

    public boolean isKnownClient(X509Certificate cert) {
        return cert != null && knownClients.contains(fingerprint(cert));
    }

    public void registerClient(X509Certificate cert) {
        knownClients.add(fingerprint(cert));
    }

    public boolean unregisterClient(X509Certificate cert) {
        return knownClients.remove(fingerprint(cert));
    }

    private static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ TLS material

    /** A key manager presenting the server certificate (with the CA when the CA issued it). */
    public X509ExtendedKeyManager serverKeyManager() {
        return serverCert.getIssuerX500Principal().equals(caCert.getSubjectX500Principal()) && !serverCert.equals(caCert)
                ? new StaticKeyManager(serverKey, serverCert, caCert)
                : new StaticKeyManager(serverKey, serverCert);
    }

    /** Trust managers accepting client certificates signed by the CA (or a configured extra CA). */
    public TrustManagerFactory clientTrustManagers() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (X509Certificate ca : trustedCas) {
                ks.setCertificateEntry("ca" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new EmulatorException("cannot build the client trust store: " + e, e);
        }
    }

    // ------------------------------------------------------------------ EmulatorCertificates

    @Override
    public Path directory() {
        return settings.directory();
    }

    @Override
    public Path caCertificateFile() {
        return caCertFile;
    }

    @Override
    public X509Certificate caCertificate() {
        return caCert;
    }

    @Override
    public String caCertificatePem() {
        return pem(caCert);
    }

    @Override
    public Path serverCertificateFile() {
        return serverCertFile;
    }

    @Override
    public X509Certificate serverCertificate() {
        return serverCert;
    }

    @Override
    public Optional<DeviceCredentials> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    @Override
    public List<String> deviceNames() {
        return List.copyOf(new TreeMap<>(devices).keySet());
    }

    @Override
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", caCert);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new EmulatorException("cannot build trust store", e);
        }
    }

    @Override
    public SSLContext trustOnlySslContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new EmulatorException("cannot build TLS context", e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void requireCaKey(String what) {
        if (caKey == null) {
            throw new EmulatorException("the configured CA has no private key: cannot issue " + what);
        }
    }

    private KeyPair generateKeyPair() throws GeneralSecurityException {
        if (settings.keyAlgorithm() == KeyAlgorithm.RSA_2048) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, random);
            return g.generateKeyPair();
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    /** PEM text of a certificate, or of a private key as PKCS#8 (JDK keys encode as PKCS#8). */
    public static String pem(Object obj) {
        String type;
        byte[] der;
        try {
            if (obj instanceof PrivateKey key && "PKCS#8".equals(key.getFormat())) {
                type = "PRIVATE KEY";
                der = key.getEncoded();
            } else if (obj instanceof Certificate c) {
                type = "CERTIFICATE";
                der = c.getEncoded();
            } else {
                throw new IllegalArgumentException("cannot write " + (obj == null ? "null" : obj.getClass().getName()) + " as PEM");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writePem(Path file, Object obj, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
            w.write(pem(obj));
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + file);
            }
            return out;
        }
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END PRIVATE KEY-----");
        if (from >= 0 && to > from) {
            // PKCS#8, what the emulator writes: the JDK reads it without loading BouncyCastle
            byte[] der = java.util.Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
            for (String alg : new String[] {"EC", "RSA"}) {
                try {
                    return java.security.KeyFactory.getInstance(alg)
                            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException e) {
                    // try the next algorithm, then BouncyCastle
                }
            }
        }
        return PemKeys.read(file);
    }
}
