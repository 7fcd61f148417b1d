package org.iotgateway.tls;

import java.nio.file.Path;

import org.iotgateway.tls.TlsMaterialException.Reason;

/**
 * Where TLS material comes from, for error messages: "certificate file (cert.file) /path/device.pem" or a free-form
 * description for PEM text that did not come from a file.
 */
final class Origin {

    static final String CA_FILE = "CA file";
    static final String CERTIFICATE_FILE = "certificate file";
    static final String PRIVATE_KEY_FILE = "private key file";

    private final String description;
    private final String setting;
    private final Path file;

    private Origin(String description, String setting, Path file) {
        this.description = description;
        this.setting = setting;
        this.file = file;
    }

    /**
     * @param role what the file is, for example {@link #CERTIFICATE_FILE}
     * @param setting the configuration setting naming the file, or null
     * @param file the file
     */
    static Origin file(String role, String setting, Path file) {
        return new Origin(role, setting, file);
    }

    /**
     * @param setting a PKCS#11 setting, e.g. pkcs11.pin
     * @param file the library for pkcs11.library, else null
     */
    static Origin setting(String setting, Path file) {
        return new Origin(file != null ? "PKCS#11 library" : "PKCS#11", setting, file);
    }

    /** @param description free-form description of PEM text, for example "Greengrass group CA" */
    static Origin text(String description) {
        return new Origin(description, null, null);
    }

    Path file() {
        return file;
    }

    TlsMaterialException fail(Reason reason, String detail) {
        return fail(reason, detail, null);
    }

    TlsMaterialException fail(Reason reason, String detail, Throwable cause) {
        return new TlsMaterialException(reason, toString(), setting, file, detail, cause);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(description);
        if (setting != null && !setting.isEmpty()) {
            s.append(" (").append(setting).append(')');
        }
        if (file != null) {
            s.append(' ').append(file);
        }
        return s.toString();
    }
}
