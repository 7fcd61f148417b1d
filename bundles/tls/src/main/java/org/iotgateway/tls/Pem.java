package org.iotgateway.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.iotgateway.tls.Der.DerException;
import org.iotgateway.tls.PemReader.Block;
import org.iotgateway.tls.TlsMaterialException.Reason;

/**
 * Reads X.509 certificates and private keys from PEM files (or PEM text) with the JDK alone.
 *
 * <p>Certificates: one or more {@code CERTIFICATE} blocks, in file order; other blocks and text around them are
 * ignored, so a file holding both the certificate and the key works for both settings.
 *
 * <p>Private keys, exactly one per file:
 * <ul>
 * <li>{@code RSA PRIVATE KEY}: PKCS#1, as downloaded from the AWS IoT console;</li>
 * <li>{@code PRIVATE KEY}: PKCS#8, RSA or EC;</li>
 * <li>{@code EC PRIVATE KEY}: SEC1 (RFC 5915) as written by {@code openssl ecparam -genkey}, optionally preceded by
 * an {@code EC PARAMETERS} block; only named curves (P-256, P-384, P-521);</li>
 * <li>{@code ENCRYPTED PRIVATE KEY}: PKCS#8 encrypted with PBES2 (the OpenSSL 3 default: PBKDF2 with HMAC-SHA256
 * and AES-256-CBC) or a PBES1 scheme the JDK knows, given the password.</li>
 * </ul>
 * Legacy OpenSSL encryption ({@code Proc-Type: 4,ENCRYPTED} headers) and other key types are rejected with a hint.
 *
 * <p>Every failure is a {@link TlsMaterialException} whose message names the file, the setting and the reason.
 */
public final class Pem {

    static final String OID_RSA = "1.2.840.113549.1.1.1";
    static final String OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
    static final String OID_EC = "1.2.840.10045.2.1";
    static final String OID_DSA = "1.2.840.10040.4.1";
    static final String OID_X25519 = "1.3.101.110";
    static final String OID_X448 = "1.3.101.111";
    static final String OID_ED25519 = "1.3.101.112";
    static final String OID_ED448 = "1.3.101.113";
    static final String OID_P256 = "1.2.840.10045.3.1.7";
    static final String OID_P384 = "1.3.132.0.34";
    static final String OID_P521 = "1.3.132.0.35";

    private static final String CERTIFICATE = "CERTIFICATE";

    private Pem() {
    }

    /**
     * Reads all certificates of a PEM file.
     *
     * @param file the file
     * @param role what the file is for messages, for example "CA file" or "certificate file"
     * @param setting the configuration setting that named the file, or null
     * @return the certificates in file order, at least one
     * @throws TlsMaterialException if the file is missing, unreadable, empty, not PEM, broken, or has no certificate
     */
    public static List<X509Certificate> readCertificates(Path file, String role, String setting) {
        Origin origin = Origin.file(Objects.requireNonNull(role, "role"), setting, Objects.requireNonNull(file));
        return certificates(PemReader.readFile(origin), origin);
    }

    /**
     * Parses all certificates in PEM text that did not come from a file, for example CA certificates received from
     * Greengrass discovery.
     *
     * @param pem the PEM text
     * @param description where the text came from, for messages
     * @return the certificates in order, at least one
     * @throws TlsMaterialException if the text is empty, not PEM, broken, or has no certificate
     */
    public static List<X509Certificate> parseCertificates(String pem, String description) {
        Origin origin = Origin.text(Objects.requireNonNull(description, "description"));
        if (pem == null || pem.isBlank()) {
            throw origin.fail(Reason.EMPTY, "no PEM text");
        }
        return certificates(pem, origin);
    }

    /**
     * Reads the private key of an unencrypted PEM key file.
     *
     * @param file the file
     * @param setting the configuration setting that named the file, or null
     * @return the key (RSA or EC)
     * @throws TlsMaterialException if the file cannot be used; PASSWORD_REQUIRED if it is encrypted
     */
    public static PrivateKey readPrivateKey(Path file, String setting) {
        return readPrivateKey(file, setting, null);
    }

    /**
     * Reads the private key of a PEM key file, decrypting an {@code ENCRYPTED PRIVATE KEY} with the password.
     *
     * @param file the file
     * @param setting the configuration setting that named the file, or null
     * @param password the password for an encrypted key, or null; ignored for unencrypted keys; not retained
     * @return the key (RSA or EC)
     * @throws TlsMaterialException if the file cannot be used
     */
    public static PrivateKey readPrivateKey(Path file, String setting, char[] password) {
        Origin origin = Origin.file(Origin.PRIVATE_KEY_FILE, setting, Objects.requireNonNull(file));
        return privateKey(PemReader.readFile(origin), origin, password);
    }

    /**
     * Parses a private key from PEM text that did not come from a file.
     *
     * @param pem the PEM text
     * @param description where the text came from, for messages
     * @param password the password for an encrypted key, or null
     * @return the key (RSA or EC)
     * @throws TlsMaterialException if the text cannot be used
     */
    public static PrivateKey parsePrivateKey(String pem, String description, char[] password) {
        Origin origin = Origin.text(Objects.requireNonNull(description, "description"));
        if (pem == null || pem.isBlank()) {
            throw origin.fail(Reason.EMPTY, "no PEM text");
        }
        return privateKey(pem, origin, password);
    }

    // --- certificates --------------------------------------------------------------------------------------------

    static List<X509Certificate> certificates(String text, Origin origin) {
        List<Block> blocks = PemReader.parse(text, origin);
        if (blocks.isEmpty()) {
            throw origin.fail(Reason.NOT_PEM, PemReader.noPemHint(text, CERTIFICATE));
        }
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the Java runtime has no X.509 certificate factory", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks) {
            if (!isCertificateLabel(block.label)) {
                continue;
            }
            byte[] der = block.content;
            try {
                Der.Element element = "TRUSTED CERTIFICATE".equals(block.label)
                        // OpenSSL's trusted format appends trust settings after the certificate
                        ? new Der.Reader(der, 0, der.length).next()
                        : Der.parse(der);
                element.expect(Der.SEQUENCE, "SEQUENCE");
                der = element.encoded();
            } catch (DerException e) {
                throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid X.509 certificate: corrupt DER ("
                        + e.getMessage() + ")", e);
            }
            try {
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException | RuntimeException e) {
                throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid X.509 certificate (corrupt DER "
                        + "data)", e);
            }
        }
        if (certificates.isEmpty()) {
            throw origin.fail(Reason.NO_CERTIFICATES, "no CERTIFICATE block found (the file contains: "
                    + PemReader.labels(blocks) + hintForKeyInsteadOfCertificate(blocks) + ")");
        }
        return certificates;
    }

    private static boolean isCertificateLabel(String label) {
        return CERTIFICATE.equals(label) || "X509 CERTIFICATE".equals(label) || "TRUSTED CERTIFICATE".equals(label);
    }

    private static String hintForKeyInsteadOfCertificate(List<Block> blocks) {
        for (Block b : blocks) {
            if (b.label.endsWith("PRIVATE KEY")) {
                return "; is this the private key file?";
            }
        }
        return "";
    }

    // --- private keys --------------------------------------------------------------------------------------------

    static PrivateKey privateKey(String text, Origin origin, char[] password) {
        List<Block> blocks = PemReader.parse(text, origin);
        if (blocks.isEmpty()) {
            throw origin.fail(Reason.NOT_PEM, PemReader.noPemHint(text, "PRIVATE KEY"));
        }
        Block key = null;
        String ecParametersCurve = null;
        for (Block block : blocks) {
            if ("EC PARAMETERS".equals(block.label)) {
                if (ecParametersCurve == null) {
                    ecParametersCurve = namedCurve(block, origin);
                }
            } else if (block.label.endsWith("PRIVATE KEY")) {
                if (key != null) {
                    throw origin.fail(Reason.NO_PRIVATE_KEY, "contains more than one private key (" + key.describe()
                            + " and " + block.describe() + "); keep only the key that belongs to the certificate");
                }
                key = block;
            }
        }
        if (key == null) {
            String hint = blocks.stream().anyMatch(b -> isCertificateLabel(b.label))
                    ? "; is this the certificate file?" : "";
            throw origin.fail(Reason.NO_PRIVATE_KEY, "no private key block found (the file contains: "
                    + PemReader.labels(blocks) + hint + ")");
        }
        String procType = headerValue(key.headers, "Proc-Type");
        if (procType != null && procType.contains("ENCRYPTED")) {
            throw origin.fail(Reason.UNSUPPORTED, key.describe() + " uses legacy OpenSSL encryption (Proc-Type and "
                    + "DEK-Info headers), which is not supported; convert it to encrypted PKCS#8 with "
                    + "\"openssl pkcs8 -topk8 -in old.key -out new.key\" (or -nocrypt for an unencrypted key)");
        }
        switch (key.label) {
            case "PRIVATE KEY":
                return pkcs8(key.content, key, origin);
            case "RSA PRIVATE KEY":
                return rsaPkcs1(key, origin);
            case "EC PRIVATE KEY":
                return sec1(key, ecParametersCurve, origin);
            case "ENCRYPTED PRIVATE KEY":
                return encryptedPkcs8(key, origin, password);
            case "DSA PRIVATE KEY":
                throw origin.fail(Reason.UNSUPPORTED, key.describe() + ": DSA keys are not supported; use an RSA or "
                        + "EC (P-256) key");
            case "OPENSSH PRIVATE KEY":
                throw origin.fail(Reason.UNSUPPORTED, key.describe() + ": OpenSSH key files are not supported; use a "
                        + "PEM key (PKCS#8, PKCS#1 or SEC1)");
            default:
                throw origin.fail(Reason.UNSUPPORTED, key.describe() + ": unsupported key format; expected PRIVATE "
                        + "KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY");
        }
    }

    private static String headerValue(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The named curve OID of an EC PARAMETERS block. */
    private static String namedCurve(Block block, Origin origin) {
        try {
            Der.Element parameters = Der.parse(block.content);
            if (parameters.tag == Der.OID) {
                return parameters.oid();
            }
            if (parameters.tag == Der.SEQUENCE) {
                throw origin.fail(Reason.UNSUPPORTED, block.describe() + " has explicit curve parameters, which are "
                        + "not supported; use a named curve (openssl ecparam -name prime256v1 -param_enc named_curve)");
            }
            throw origin.fail(Reason.CORRUPT, block.describe() + " holds no curve identifier");
        } catch (DerException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + ": corrupt DER (" + e.getMessage() + ")", e);
        }
    }

    /** PKCS#1 RSAPrivateKey wrapped into a PKCS#8 PrivateKeyInfo with the rsaEncryption algorithm. */
    private static PrivateKey rsaPkcs1(Block block, Origin origin) {
        try {
            Der.Element rsa = Der.parse(block.content);
            rsa.expect(Der.SEQUENCE, "SEQUENCE");
            Der.Reader fields = rsa.children();
            int version = fields.next().smallInteger();
            if (version > 1) {
                throw new DerException("unknown RSAPrivateKey version " + version);
            }
        } catch (DerException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid PKCS#1 RSA private key: corrupt DER ("
                    + e.getMessage() + ")", e);
        }
        byte[] pkcs8 = Der.sequence(
                Der.smallInteger(0),
                Der.sequence(Der.oid(OID_RSA), Der.nullValue()),
                Der.octetString(block.content));
        try {
            return generate("RSA", pkcs8, block, origin);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /**
     * SEC1 ECPrivateKey wrapped into a PKCS#8 PrivateKeyInfo with id-ecPublicKey and the curve OID from the key's
     * [0] parameters, or else from a preceding EC PARAMETERS block.
     */
    private static PrivateKey sec1(Block block, String ecParametersCurve, Origin origin) {
        String curve;
        try {
            Der.Element sec1 = Der.parse(block.content);
            sec1.expect(Der.SEQUENCE, "SEQUENCE");
            Der.Reader fields = sec1.children();
            int version = fields.next().smallInteger();
            if (version != 1) {
                throw new DerException("ECPrivateKey version " + version + " instead of 1");
            }
            fields.next().expect(Der.OCTET_STRING, "OCTET STRING");
            Der.Element parameters = fields.optional(Der.CONTEXT_0);
            String keyCurve = null;
            if (parameters != null) {
                Der.Element choice = Der.parse(parameters.content());
                if (choice.tag == Der.SEQUENCE) {
                    throw origin.fail(Reason.UNSUPPORTED, block.describe() + " has explicit curve parameters, which are"
                            + " not supported; use a named curve (P-256 / prime256v1)");
                }
                keyCurve = choice.oid();
            }
            fields.optional(Der.CONTEXT_1);
            if (fields.hasMore()) {
                throw new DerException("unexpected data after the public key");
            }
            if (keyCurve != null && ecParametersCurve != null && !keyCurve.equals(ecParametersCurve)) {
                throw origin.fail(Reason.CORRUPT, block.describe() + " is for curve " + curveName(keyCurve)
                        + " but the EC PARAMETERS block names " + curveName(ecParametersCurve));
            }
            curve = keyCurve != null ? keyCurve : ecParametersCurve;
        } catch (DerException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid SEC1 EC private key: corrupt DER ("
                    + e.getMessage() + ")", e);
        }
        if (curve == null) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " does not say which curve it is for (no parameters "
                    + "in the key and no EC PARAMETERS block)");
        }
        checkCurve(curve, block, origin);
        byte[] pkcs8 = Der.sequence(
                Der.smallInteger(0),
                Der.sequence(Der.oid(OID_EC), Der.oid(curve)),
                Der.octetString(block.content));
        try {
            return generate("EC", pkcs8, block, origin);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** A PKCS#8 PrivateKeyInfo: the algorithm OID selects the key factory. */
    private static PrivateKey pkcs8(byte[] der, Block block, Origin origin) {
        String algorithm;
        try {
            Der.Element info = Der.parse(der);
            info.expect(Der.SEQUENCE, "SEQUENCE");
            Der.Reader fields = info.children();
            fields.next().smallInteger(); // version 0 or 1 (OneAsymmetricKey)
            Der.Element algorithmIdentifier = fields.next();
            algorithmIdentifier.expect(Der.SEQUENCE, "SEQUENCE");
            Der.Reader algorithmFields = algorithmIdentifier.children();
            String oid = algorithmFields.next().oid();
            fields.next().expect(Der.OCTET_STRING, "OCTET STRING");
            switch (oid) {
                case OID_RSA:
                    algorithm = "RSA";
                    break;
                case OID_EC: {
                    Der.Element parameters = algorithmFields.hasMore() ? algorithmFields.next() : null;
                    if (parameters == null || parameters.tag != Der.OID) {
                        throw origin.fail(Reason.UNSUPPORTED, block.describe() + " is an EC key without a named curve;"
                                + " use a named curve (P-256 / prime256v1)");
                    }
                    checkCurve(parameters.oid(), block, origin);
                    algorithm = "EC";
                    break;
                }
                default:
                    throw origin.fail(Reason.UNSUPPORTED, block.describe() + " is " + keyAlgorithmName(oid)
                            + ", which is not supported; use an RSA or EC (P-256) key");
            }
        } catch (DerException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid PKCS#8 private key: corrupt DER ("
                    + e.getMessage() + ")", e);
        }
        return generate(algorithm, der, block, origin);
    }

    private static PrivateKey generate(String algorithm, byte[] pkcs8, Block block, Origin origin) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (InvalidKeySpecException | RuntimeException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid " + algorithm + " private key (corrupt"
                    + " DER data)", e);
        } catch (NoSuchAlgorithmException e) {
            throw origin.fail(Reason.UNSUPPORTED, block.describe() + ": this Java runtime has no " + algorithm
                    + " key support", e);
        }
    }

    private static PrivateKey encryptedPkcs8(Block block, Origin origin, char[] password) {
        if (password == null || password.length == 0) {
            throw origin.fail(Reason.PASSWORD_REQUIRED, block.describe() + " is encrypted; configure the key "
                    + "password");
        }
        String schemeOid;
        try {
            Der.Element outer = Der.parse(block.content);
            outer.expect(Der.SEQUENCE, "SEQUENCE");
            Der.Reader fields = outer.children();
            Der.Element algorithm = fields.next();
            algorithm.expect(Der.SEQUENCE, "SEQUENCE");
            schemeOid = algorithm.children().next().oid();
            fields.next().expect(Der.OCTET_STRING, "OCTET STRING");
        } catch (DerException e) {
            throw origin.fail(Reason.CORRUPT, block.describe() + " is not a valid encrypted PKCS#8 key: corrupt DER ("
                    + e.getMessage() + ")", e);
        }
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(block.content);
        } catch (IOException e) {
            // well-formed, but parameters the JDK does not understand, for example scrypt instead of PBKDF2
            throw origin.fail(Reason.UNSUPPORTED, block.describe() + " uses an encryption scheme this Java runtime "
                    + "does not support (" + schemeOid + ": " + e.getMessage() + "); re-encrypt it with \"openssl pkcs8 "
                    + "-topk8 -v2 aes-256-cbc\"", e);
        }
        // For PBES2 the JDK reports "PBES2" as algorithm; the parameters know the full name, for example
        // PBEWithHmacSHA256AndAES_256. PBES1 schemes are named by the algorithm itself.
        AlgorithmParameters parameters = info.getAlgParameters();
        String scheme = info.getAlgName();
        if (parameters != null && ("PBES2".equalsIgnoreCase(scheme) || "1.2.840.113549.1.5.13".equals(scheme))) {
            scheme = parameters.toString();
        }
        PBEKeySpec keySpec = new PBEKeySpec(password);
        byte[] decrypted = null;
        try {
            SecretKey secret = SecretKeyFactory.getInstance(scheme).generateSecret(keySpec);
            Cipher cipher = Cipher.getInstance(scheme);
            cipher.init(Cipher.DECRYPT_MODE, secret, parameters);
            decrypted = info.getKeySpec(cipher).getEncoded();
        } catch (NoSuchAlgorithmException e) {
            throw origin.fail(Reason.UNSUPPORTED, block.describe() + " is encrypted with " + scheme + ", which this "
                    + "Java runtime does not support; re-encrypt it with \"openssl pkcs8 -topk8 -v2 aes-256-cbc\"", e);
        } catch (InvalidKeySpecException e) {
            throw origin.fail(Reason.WRONG_PASSWORD, block.describe() + " cannot be decrypted: wrong password", e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw origin.fail(Reason.UNSUPPORTED, block.describe() + " cannot be decrypted with " + scheme + " ("
                    + e.getClass().getSimpleName() + ")", e);
        } finally {
            keySpec.clearPassword();
        }
        try {
            return pkcs8(decrypted, block, origin);
        } catch (TlsMaterialException e) {
            if (e.reason() == Reason.CORRUPT) {
                // garbage after decryption with a wrong password that happened to have valid padding
                throw origin.fail(Reason.WRONG_PASSWORD, block.describe() + " cannot be decrypted: wrong password", e);
            }
            throw e;
        } finally {
            Arrays.fill(decrypted, (byte) 0);
        }
    }

    private static void checkCurve(String curve, Block block, Origin origin) {
        if (!OID_P256.equals(curve) && !OID_P384.equals(curve) && !OID_P521.equals(curve)) {
            throw origin.fail(Reason.UNSUPPORTED, block.describe() + " is an EC key on curve " + curveName(curve)
                    + ", which is not supported; use P-256 (prime256v1), P-384 or P-521");
        }
    }

    static String curveName(String oid) {
        switch (oid) {
            case OID_P256:
                return "P-256 (prime256v1)";
            case OID_P384:
                return "P-384 (secp384r1)";
            case OID_P521:
                return "P-521 (secp521r1)";
            case "1.3.132.0.10":
                return "secp256k1";
            case "1.3.36.3.3.2.8.1.1.7":
                return "brainpoolP256r1";
            default:
                return "OID " + oid;
        }
    }

    private static String keyAlgorithmName(String oid) {
        switch (oid) {
            case OID_RSASSA_PSS:
                return "an RSASSA-PSS key";
            case OID_DSA:
                return "a DSA key";
            case OID_ED25519:
                return "an Ed25519 key";
            case OID_ED448:
                return "an Ed448 key";
            case OID_X25519:
                return "an X25519 key";
            case OID_X448:
                return "an X448 key";
            default:
                return "a key of algorithm OID " + oid;
        }
    }
}
