package org.iotgateway.tls;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.iotgateway.tls.TlsMaterialException.Reason;

/**
 * The five configuration settings of a device key in a PKCS#11 token ({@value Pkcs11Keys#LIBRARY},
 * {@value Pkcs11Keys#SLOT}, {@value Pkcs11Keys#TOKEN_LABEL}, {@value Pkcs11Keys#PIN}, {@value Pkcs11Keys#KEY_LABEL}),
 * validated the same way wherever a configuration carries them (a connection, Greengrass discovery), without touching
 * the token. Immutable; {@link #toString()} never shows the PIN.
 */
public final class Pkcs11Settings {

    private final Path library;
    private final long slot;
    private final String tokenLabel;
    private final String pin;
    private final String keyLabel;

    private Pkcs11Settings(Path library, long slot, String tokenLabel, String pin, String keyLabel) {
        this.library = library;
        this.slot = slot;
        this.tokenLabel = tokenLabel;
        this.pin = pin;
        this.keyLabel = keyLabel;
    }

    /**
     * Validates the settings as configured.
     *
     * @param library value of {@value Pkcs11Keys#LIBRARY}; empty or blank: no token is configured
     * @param slot value of {@value Pkcs11Keys#SLOT} (-1: not set)
     * @param tokenLabel value of {@value Pkcs11Keys#TOKEN_LABEL}
     * @param pin value of {@value Pkcs11Keys#PIN}
     * @param keyLabel value of {@value Pkcs11Keys#KEY_LABEL}
     * @return the settings, or null when {@code library} is empty
     * @throws TlsMaterialException naming the setting, for a value that cannot be right (see
     *         {@link Pkcs11Keys#validate}); a configuration that also names another private key is refused by the
     *         caller with {@link #conflict(String)}
     */
    public static Pkcs11Settings of(String library, long slot, String tokenLabel, String pin, String keyLabel) {
        String lib = library == null ? "" : library.trim();
        if (lib.isEmpty()) {
            return null;
        }
        Path path;
        try {
            path = Path.of(lib);
        } catch (InvalidPathException e) {
            throw Origin.setting(Pkcs11Keys.LIBRARY, null).fail(Reason.UNSUPPORTED, "'" + Pkcs11Keys.printable(lib)
                    + "' is not a valid path: " + Pkcs11Keys.printable(String.valueOf(e.getReason())));
        }
        String token = tokenLabel == null ? "" : tokenLabel.trim();
        String key = keyLabel == null ? "" : keyLabel.trim();
        String p = pin == null ? "" : pin;
        char[] chars = p.toCharArray();
        try {
            Pkcs11Keys.validate(path, slot, token, chars, key);
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
        return new Pkcs11Settings(path, slot, token, p, key);
    }

    /**
     * @param otherKeySetting a setting naming another private key, e.g. {@code key.file}
     * @return the message for a configuration that sets both
     */
    public static String conflict(String otherKeySetting) {
        return Pkcs11Keys.LIBRARY + " (key in a PKCS#11 token) and " + otherKeySetting + " both name a private key: "
                + "set one of them";
    }

    /** @return the PKCS#11 module */
    public Path library() {
        return library;
    }

    /** @return the slot id, -1 when not set */
    public long slot() {
        return slot;
    }

    /** @return the token label, empty when not set */
    public String tokenLabel() {
        return tokenLabel;
    }

    /** @return the key label */
    public String keyLabel() {
        return keyLabel;
    }

    /**
     * @return a request for {@link Pkcs11Keys#load} or {@link TlsContexts.Builder#clientPkcs11} with its own copy of
     *         the PIN; {@link Pkcs11Keys.Request#wipe() wipe} it once the context is built
     */
    public Pkcs11Keys.Request request() {
        char[] chars = pin.toCharArray();
        try {
            return new Pkcs11Keys.Request(library, slot, tokenLabel, chars, keyLabel);
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
    }

    /**
     * @return the five settings as configuration properties (the PIN included, as the configuration holds it), for
     *         writing another configuration that uses the same key
     */
    public Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(Pkcs11Keys.LIBRARY, library.toString());
        p.put(Pkcs11Keys.SLOT, slot);
        p.put(Pkcs11Keys.TOKEN_LABEL, tokenLabel);
        p.put(Pkcs11Keys.PIN, pin);
        p.put(Pkcs11Keys.KEY_LABEL, keyLabel);
        return p;
    }

    /** @return the properties of a configuration that uses no token: clears the five settings */
    public static Map<String, Object> noProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(Pkcs11Keys.LIBRARY, "");
        p.put(Pkcs11Keys.SLOT, -1L);
        p.put(Pkcs11Keys.TOKEN_LABEL, "");
        p.put(Pkcs11Keys.PIN, "");
        p.put(Pkcs11Keys.KEY_LABEL, "");
        return p;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Pkcs11Settings)) {
            return false;
        }
        Pkcs11Settings s = (Pkcs11Settings) o;
        return library.equals(s.library) && slot == s.slot && tokenLabel.equals(s.tokenLabel) && pin.equals(s.pin)
                && keyLabel.equals(s.keyLabel);
    }

    @Override
    public int hashCode() {
        return Objects.hash(library, slot, tokenLabel, keyLabel);
    }

    /** @return e.g. "key 'device' in token 'iot' of PKCS#11 library /usr/lib/...", never the PIN */
    @Override
    public String toString() {
        String token = !tokenLabel.isEmpty() ? "token '" + Pkcs11Keys.printable(tokenLabel) + "'"
                : slot >= 0 ? "the token in slot " + slot : "the token in the first slot";
        return "key '" + Pkcs11Keys.printable(keyLabel) + "' in " + token + " of PKCS#11 library " + library;
    }
}
