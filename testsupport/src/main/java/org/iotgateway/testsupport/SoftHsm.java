package org.iotgateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * SoftHSM 2 tokens for tests: a software PKCS#11 module with real PKCS#11 semantics (login, sensitive and
 * non-extractable keys, CKR_PIN_INCORRECT), so code under test uses a token exactly as it would use a TPM or an HSM.
 *
 * <p>SoftHSM reads its configuration file from the environment variable {@value #CONF_ENV} when the JVM first loads
 * the library, and sees only the tokens that existed then. So the build sets {@value #CONF_ENV} for the test JVM
 * (surefire/failsafe {@code environmentVariables}, pointing into {@code target/}), and {@link #tokens()} creates the
 * configuration, an empty token directory and every token of {@link Token} once per JVM, before anything loads the
 * library. Tests then generate keys in the tokens ({@link #generateKeyPair}) and store certificates next to them.
 *
 * <p>Missing softhsm2 fails (never skips) with "apt-get install -y softhsm2".
 */
public final class SoftHsm {

    /** Environment variable naming SoftHSM's configuration file. */
    public static final String CONF_ENV = "SOFTHSM2_CONF";
    /** System property overriding the module path. */
    public static final String LIBRARY_PROPERTY = "softhsm.library";
    static final String INSTALL_HINT = "softhsm2 not installed: apt-get install -y softhsm2";
    private static final List<Path> LIBRARIES = List.of(Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"));
    private static final Path UTIL = Path.of("/usr/bin/softhsm2-util");
    private static final Pattern REASSIGNED = Pattern.compile("reassigned to slot (\\d+)");
    private static final AtomicInteger PROVIDERS = new AtomicInteger();

    /** The tokens every test JVM gets. Labels and PINs are test values, not secrets. */
    public enum Token {
        /** The device key of the main tests. */
        MAIN("iotgw-main", "1234-main"),
        /** A second token, for slot and label selection. */
        SECOND("iotgw-second", "5678-second"),
        /** A token only the wrong-PIN tests use. */
        PIN_TEST("iotgw-pin", "2468-pin"),
        /** Label and PIN with characters that would break a PKCS#11 provider configuration if pasted into one. */
        HOSTILE("a}\"= b{#", "p}\"\n=\\{in 1");

        public final String label;
        public final String pin;

        Token(String label, String pin) {
            this.label = label;
            this.pin = pin;
        }
    }

    private static SoftHsm instance;

    private final Path library;
    private final Path dir;
    private final Map<Token, Long> slots = new LinkedHashMap<>();
    private final Map<Token, Provider> providers = new LinkedHashMap<>();

    private SoftHsm(Path library, Path dir) {
        this.library = library;
        this.dir = dir;
    }

    /** @return the SoftHSM module, or the first candidate path when none exists */
    public static Path library() {
        String configured = System.getProperty(LIBRARY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return LIBRARIES.stream().filter(Files::isRegularFile).findFirst().orElse(LIBRARIES.get(0));
    }

    /**
     * Fails unless softhsm2 is installed and {@value #CONF_ENV} is set for this JVM.
     *
     * @throws IllegalStateException with the installation hint or the missing setting
     */
    public static void require() {
        if (!Files.isRegularFile(library()) || !Files.isExecutable(UTIL)) {
            throw new IllegalStateException(INSTALL_HINT + " (looked for " + library() + " and " + UTIL + ")");
        }
        String conf = System.getenv(CONF_ENV);
        if (conf == null || conf.isBlank()) {
            throw new IllegalStateException(CONF_ENV + " is not set for this JVM: SoftHSM reads it when the library is "
                    + "loaded; set it in the surefire/failsafe environmentVariables (pointing into target/)");
        }
    }

    /**
     * Creates (once per JVM) the configuration file named by {@value #CONF_ENV}, an empty token directory next to it,
     * and every {@link Token}.
     *
     * @return the tokens
     */
    public static synchronized SoftHsm tokens() {
        if (instance != null) {
            return instance;
        }
        require();
        Path conf = Path.of(System.getenv(CONF_ENV)).toAbsolutePath();
        Path dir = conf.getParent();
        Path tokenDir = dir.resolve("tokens");
        try {
            Files.createDirectories(dir);
            if (Files.exists(tokenDir)) {
                try (Stream<Path> walk = Files.walk(tokenDir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(tokenDir);
            Files.writeString(conf, "directories.tokendir = " + tokenDir + "\nobjectstore.backend = file\n"
                    + "log.level = ERROR\nslots.removable = false\n", StandardCharsets.UTF_8);
            SoftHsm hsm = new SoftHsm(library(), dir);
            for (Token t : Token.values()) {
                String out = run(conf, UTIL.toString(), "--init-token", "--free", "--label", t.label, "--pin", t.pin,
                        "--so-pin", "so-" + t.pin);
                Matcher m = REASSIGNED.matcher(out);
                if (!m.find()) {
                    throw new IllegalStateException("softhsm2-util did not report the slot of token " + t + ": " + out);
                }
                hsm.slots.put(t, Long.parseLong(m.group(1)));
            }
            instance = hsm;
            return hsm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the PKCS#11 module */
    public Path libraryPath() {
        return library;
    }

    /** @return the directory holding the configuration and the tokens */
    public Path dir() {
        return dir;
    }

    /** @return the slot id of the token */
    public long slot(Token token) {
        return slots.get(token);
    }

    /**
     * Generates a key pair inside the token: the private key is a token object, sensitive and not extractable; the
     * returned private key is only a handle. Not visible through a PKCS11 KeyStore until a certificate is stored
     * ({@link #storeCertificate}).
     *
     * @param token the token
     * @param algorithm "RSA" (2048 bits) or "EC" (P-256)
     * @return the key pair
     */
    public synchronized KeyPair generateKeyPair(Token token, String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm, provider(token));
            if ("EC".equals(algorithm)) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate an " + algorithm + " key in token " + token, e);
        }
    }

    /**
     * Labels the token key and stores its certificate chain in the token (as CKO_CERTIFICATE objects with the key's
     * CKA_ID), the way provisioning tools do.
     *
     * @param token the token
     * @param label the key label (CKA_LABEL, the keystore alias)
     * @param key the handle from {@link #generateKeyPair}
     * @param chain the chain, leaf first
     */
    public synchronized void storeCertificate(Token token, String label, PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS11", provider(token));
            store.load(null, token.pin.toCharArray());
            store.setKeyEntry(label, key, null, chain.toArray(new Certificate[0]));
        } catch (Exception e) {
            throw new IllegalStateException("cannot store the certificate of " + label + " in token " + token, e);
        }
    }

    /**
     * A provider of the test's own (not registered), which generates token keys; logged in with the token's PIN.
     *
     * @param token the token
     * @return the provider
     */
    public synchronized Provider provider(Token token) {
        Provider p = providers.get(token);
        if (p != null) {
            return p;
        }
        String config = "--name = softhsm-test-" + PROVIDERS.incrementAndGet() + "\nlibrary = \"" + library + "\"\n"
                + "slot = " + slot(token) + "\n"
                + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n CKA_TOKEN = true\n CKA_PRIVATE = true\n"
                + " CKA_SENSITIVE = true\n CKA_EXTRACTABLE = false\n}\n"
                + "attributes(generate, CKO_PUBLIC_KEY, *) = {\n CKA_TOKEN = true\n}\n";
        p = Security.getProvider("SunPKCS11").configure(config);
        try {
            KeyStore.getInstance("PKCS11", p).load(null, token.pin.toCharArray());
        } catch (Exception e) {
            throw new IllegalStateException("cannot log in to token " + token, e);
        }
        providers.put(token, p);
        return p;
    }

    private static String run(Path conf, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(CONF_ENV, conf.toString());
        Process process = pb.start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("softhsm2-util failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
