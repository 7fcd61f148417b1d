package org.iotgateway.tls;

import java.nio.file.Path;

/**
 * TLS material (a CA file, a certificate file, a private key file, or PEM text from elsewhere) cannot be used.
 *
 * <p>The message always starts with where the material came from, then the reason, for example
 * {@code certificate file (cert.file) /etc/aws/device.pem.crt: no CERTIFICATE block found (the file contains: RSA
 * PRIVATE KEY)}. Messages name files, settings, PEM labels, line numbers, subjects and dates, never key material or
 * encoded content, so they are safe to log and to show in a configuration UI.
 *
 * <p>Unchecked, because it reports bad configuration that callers pass on unchanged (typically failing a component
 * activation); {@link #reason()} lets code and tests distinguish the cases.
 */
public class TlsMaterialException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the material cannot be used. */
    public enum Reason {
        /** The file does not exist. */
        MISSING_FILE,
        /** The path is a directory or another non-regular file. */
        NOT_A_FILE,
        /** The file exists but cannot be read (permissions, I/O error) or is implausibly large. */
        UNREADABLE,
        /** The file is empty or contains only white space. */
        EMPTY,
        /** The content has no PEM block at all (for example binary DER or unrelated text). */
        NOT_PEM,
        /** A PEM block is incomplete: BEGIN without END, or END without BEGIN. */
        TRUNCATED,
        /** The body of a PEM block is not valid base64. */
        BAD_BASE64,
        /** A PEM block decodes, but its content is not valid DER of the expected structure. */
        CORRUPT,
        /** Valid data of a kind this code does not support (key algorithm, curve, encryption scheme). */
        UNSUPPORTED,
        /** No CERTIFICATE block where certificates were expected (also: a CA file without certificates). */
        NO_CERTIFICATES,
        /** No private key block where a key was expected, or more than one. */
        NO_PRIVATE_KEY,
        /** The private key is encrypted and no password was configured. */
        PASSWORD_REQUIRED,
        /** The private key cannot be decrypted with the configured password. */
        WRONG_PASSWORD,
        /** The private key does not belong to the certificate's public key. */
        KEY_MISMATCH,
        /** The certificate's validity ended (notAfter is in the past). */
        EXPIRED,
        /** A keystore has no entry with the configured alias, or several keys and no alias was configured. */
        UNKNOWN_ALIAS,
        /** No (initialised) PKCS#11 token in the configured slot, or none with the configured label (unplugged?). */
        TOKEN_ABSENT,
        /** The PKCS#11 token refused the PIN. Never retried automatically: wrong PINs lock real tokens. */
        PIN_INCORRECT,
        /** The PKCS#11 token's PIN is locked. Never retried automatically. */
        PIN_LOCKED
    }

    private final Reason reason;
    private final String source;
    private final String setting;
    private final transient Path file;

    /**
     * @param reason why
     * @param source where the material came from, as shown at the start of the message
     * @param setting the configuration setting that named the material, or null
     * @param file the file, or null for material that was not read from a file
     * @param detail the reason in words, without key material
     * @param cause the underlying exception, or null
     */
    TlsMaterialException(Reason reason, String source, String setting, Path file, String detail, Throwable cause) {
        super(source + ": " + detail, cause);
        this.reason = reason;
        this.source = source;
        this.setting = setting;
        this.file = file;
    }

    /** @return why the material cannot be used */
    public Reason reason() {
        return reason;
    }

    /**
     * @return where the material came from, for example {@code private key file (key.file) /etc/aws/private.key}
     */
    public String source() {
        return source;
    }

    /**
     * @return whether checking the same material again later may succeed without a configuration change (files
     *         provisioned, a token plugged in); false for a refused or locked PIN, where every retry counts against
     *         the token's retry limit
     */
    public boolean recheckable() {
        return reason != Reason.PIN_INCORRECT && reason != Reason.PIN_LOCKED;
    }

    /** @return the configuration setting that named the material, or null if none was given */
    public String setting() {
        return setting;
    }

    /** @return the file, or null if the material did not come from a file */
    public Path file() {
        return file;
    }
}
