package org.iotgateway.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.iotgateway.tls.TlsMaterialException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Private keys that stay in a PKCS#11 token (TPM through tpm2-pkcs11, HSM, smart card, SoftHSM), used through the
 * JDK's SunPKCS11 provider with public API only.
 *
 * <p>One provider instance per (library, slot): configured once with an inline configuration that holds nothing but
 * the library path and the slot number (PINs and labels never go into it, so they cannot inject configuration),
 * registered with {@link Security#addProvider(Provider)} under a name derived from library and slot (JSSE signs the
 * handshake with {@code Signature.getInstance}, which only finds registered providers), and found again by that name
 * after a reconfiguration, a bundle restart, or from another bundle with a copy of this class. The key object handed to
 * the TLS key manager is the token's key handle: the key material never leaves the token.
 *
 * <p>PIN handling: a login with a wrong PIN counts against the token's retry limit, and real tokens lock after a few.
 * A wrong PIN is reported as {@link Reason#PIN_INCORRECT} (never to be retried by the caller); the PIN is verified by
 * a fresh login whenever it differs from the last one that succeeded here. Logged in state is per token and process
 * (PKCS#11), so {@link #release(Object)} logs out only when the last user of a token is gone: the last one of this
 * class copy and of every other copy (bundles embed this package privately, so the connection and Greengrass discovery
 * each have their own copy, sharing the registered provider and the token's login state). Which copies use a token is
 * kept on the registered provider itself ({@value #USERS_PROPERTY}, a set of JDK strings), changed under the lock of
 * the JDK's base SunPKCS11 provider that every copy shares. A token another copy signs with is never logged out to
 * check a PIN (a logout invalidates every key handle of the token): that PIN is checked when the token is next
 * logged in to.
 *
 * <p>A token label is resolved to its slot by asking the provider for slot and token information; the JDK offers no
 * public API for the token label, so this reads the provider's {@code showInfo} diagnostics, captured for the calling
 * thread only.
 */
public final class Pkcs11Keys {

    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Keys.class);

    /** Setting names, for messages. */
    public static final String LIBRARY = "pkcs11.library";
    public static final String SLOT = "pkcs11.slot";
    public static final String TOKEN_LABEL = "pkcs11.token.label";
    public static final String PIN = "pkcs11.pin";
    public static final String KEY_LABEL = "pkcs11.key.label";

    /** Longest accepted library path. */
    public static final int MAX_PATH = 4096;
    /** PKCS#11 token labels are 32 bytes (CK_TOKEN_INFO). */
    public static final int MAX_TOKEN_LABEL_BYTES = 32;
    /** Longest accepted PIN and key label. */
    public static final int MAX_PIN = 256;
    public static final int MAX_KEY_LABEL = 1024;

    private static final String PROVIDER_PREFIX = "iotgw-";
    /** Property of a registered provider: the ids of the class copies that use its token (a set of strings). */
    static final String USERS_PROPERTY = "iotgw.pkcs11.users";
    /** This class copy's id in {@link #USERS_PROPERTY}. */
    private static final String COPY_ID = java.util.UUID.randomUUID().toString();
    private static final Pattern SLOT_LINE = Pattern.compile("(?m)^All slots: (.*)$");
    private static final Pattern TOKEN_LABEL_LINE = Pattern.compile("(?m)^Token info for token in slot (\\d+):\\R\\s*label: (.*)$");

    /** Login requests made (KeyStore loads with a PIN): tests check that a wrong PIN is not retried. */
    private static final AtomicLong LOGIN_REQUESTS = new AtomicLong();
    private static final byte[] SALT = new byte[16];
    static {
        new SecureRandom().nextBytes(SALT);
    }

    /** Guards the registry and every token operation of this class copy. */
    private static final Object LOCK = new Object();
    private static final Map<String, Entry> TOKENS = new HashMap<>();

    /** A provider and who uses it. */
    private static final class Entry {
        final Provider provider;
        final String description;
        final Set<Object> owners = new HashSet<>();
        /** Salted digest of the PIN of the last successful login, null when not known to be logged in. */
        byte[] pinDigest;

        Entry(Provider provider, String description) {
            this.provider = provider;
            this.description = description;
        }
    }

    /** What identifies a key in a token. */
    public static final class Request {
        final Path library;
        final long slot;
        final String tokenLabel;
        final char[] pin;
        final String keyLabel;

        /**
         * @param library the PKCS#11 module
         * @param slot the slot id, or -1
         * @param tokenLabel the token label, or null/empty (not together with a slot id)
         * @param pin the user PIN (copied)
         * @param keyLabel the label (alias) of the private key
         */
        public Request(Path library, long slot, String tokenLabel, char[] pin, String keyLabel) {
            this.library = Objects.requireNonNull(library, "library");
            this.slot = slot;
            this.tokenLabel = tokenLabel == null ? "" : tokenLabel;
            this.pin = pin == null ? new char[0] : pin.clone();
            this.keyLabel = keyLabel == null ? "" : keyLabel;
        }

        /** @return "token 'x' (slot N) of library /path" for messages */
        String where() {
            String token = !tokenLabel.isEmpty() ? "token '" + printable(tokenLabel) + "'"
                    : slot >= 0 ? "the token in slot " + slot : "the token in the first slot";
            return token + " of PKCS#11 library " + library;
        }

        /** Overwrites this request's copy of the PIN; call when the context is built. */
        public void wipe() {
            Arrays.fill(pin, '\0');
        }
    }

    /** The key found in the token, with the token's certificate chain (empty if it has none). */
    public static final class TokenKey {
        final PrivateKey key;
        final List<X509Certificate> chain;
        final String description;

        TokenKey(PrivateKey key, List<X509Certificate> chain, String description) {
            this.key = key;
            this.chain = chain;
            this.description = description;
        }

        /** @return the key handle; its material stays in the token */
        public PrivateKey key() {
            return key;
        }

        /** @return the certificate chain stored with the key in the token */
        public List<X509Certificate> chain() {
            return chain;
        }

        /** @return e.g. "key 'device' in token 'gw' of PKCS#11 library /usr/lib/..." */
        public String description() {
            return description;
        }
    }

    private Pkcs11Keys() {
    }

    /** @return the login requests made so far by this class copy */
    public static long loginRequests() {
        return LOGIN_REQUESTS.get();
    }

    /**
     * Checks the values that are checked without touching the token: sizes, control characters, and that slot id and
     * token label are not both set.
     *
     * @throws TlsMaterialException naming the setting
     */
    public static void validate(Path library, long slot, String tokenLabel, char[] pin, String keyLabel) {
        String lib = library == null ? "" : library.toString();
        Origin libOrigin = Origin.setting(LIBRARY, library);
        if (lib.isEmpty()) {
            throw libOrigin.fail(Reason.MISSING_FILE, "is required");
        }
        if (lib.length() > MAX_PATH) {
            throw Origin.setting(LIBRARY, null).fail(Reason.UNSUPPORTED, "is longer than " + MAX_PATH + " characters");
        }
        for (int i = 0; i < lib.length(); i++) {
            char c = lib.charAt(i);
            // the path goes into the provider's configuration (quoted): refuse what could end the quoted string or
            // be expanded there
            if (Character.isISOControl(c) || c == '"' || c == '\\' || (c == '$' && i + 1 < lib.length()
                    && lib.charAt(i + 1) == '{')) {
                throw Origin.setting(LIBRARY, null).fail(Reason.UNSUPPORTED, "'" + printable(lib)
                        + "' contains a character not allowed in a library path (control character, '\"', '\\' or "
                        + "'${')");
            }
        }
        if (slot < -1) {
            throw Origin.setting(SLOT, null).fail(Reason.UNSUPPORTED, slot + " is not a slot id (-1 = not set)");
        }
        String label = tokenLabel == null ? "" : tokenLabel;
        if (slot >= 0 && !label.isEmpty()) {
            throw Origin.setting(SLOT, null).fail(Reason.UNSUPPORTED, "set either pkcs11.slot or pkcs11.token.label, "
                    + "not both");
        }
        if (label.getBytes(StandardCharsets.UTF_8).length > MAX_TOKEN_LABEL_BYTES) {
            throw Origin.setting(TOKEN_LABEL, null).fail(Reason.UNSUPPORTED, "is longer than the "
                    + MAX_TOKEN_LABEL_BYTES + " bytes a PKCS#11 token label can have");
        }
        if (hasControl(label)) {
            throw Origin.setting(TOKEN_LABEL, null).fail(Reason.UNSUPPORTED, "'" + printable(label)
                    + "' contains control characters");
        }
        if (pin != null && pin.length > MAX_PIN) {
            throw Origin.setting(PIN, null).fail(Reason.UNSUPPORTED, "is longer than " + MAX_PIN + " characters");
        }
        String key = keyLabel == null ? "" : keyLabel;
        if (key.isEmpty()) {
            throw Origin.setting(KEY_LABEL, null).fail(Reason.UNKNOWN_ALIAS, "is required: the label (alias) of the "
                    + "private key in the token");
        }
        if (key.length() > MAX_KEY_LABEL) {
            throw Origin.setting(KEY_LABEL, null).fail(Reason.UNSUPPORTED, "is longer than " + MAX_KEY_LABEL
                    + " characters");
        }
        if (hasControl(key)) {
            throw Origin.setting(KEY_LABEL, null).fail(Reason.UNSUPPORTED, "'" + printable(key)
                    + "' contains control characters");
        }
    }

    /**
     * Logs in to the token (only when needed) and finds the private key and the certificate chain stored with it.
     *
     * @param request what to load; the caller may wipe its PIN afterwards
     * @param owner who uses the token from now on (one per configuration), for {@link #release(Object)}
     * @return the key handle and chain
     * @throws TlsMaterialException naming the setting: MISSING_FILE / NOT_A_FILE / UNSUPPORTED for the library,
     *         TOKEN_ABSENT for slot or label, PIN_INCORRECT / PIN_LOCKED / PASSWORD_REQUIRED for the PIN (never retry
     *         these automatically), UNKNOWN_ALIAS / NO_PRIVATE_KEY for the key label
     */
    public static TokenKey load(Request request, Object owner) {
        validate(request.library, request.slot, request.tokenLabel, request.pin, request.keyLabel);
        synchronized (LOCK) {
            synchronized (sharedLock()) {
                return loadLocked(request, owner);
            }
        }
    }

    private static TokenKey loadLocked(Request request, Object owner) {
        {
            Entry entry = entry(request);
            KeyStore store;
            try {
                store = KeyStore.getInstance("PKCS11", entry.provider);
            } catch (Exception e) {
                forget(request, entry);
                throw absent(request, "the token cannot be used (" + describe(e) + ")", e);
            }
            byte[] digest = digest(request.pin);
            if (entry.pinDigest == null || !MessageDigest.isEqual(entry.pinDigest, digest)) {
                if (signingElsewhere(entry)) {
                    // another bundle's copy of this class signs with the token: logging out would invalidate its key
                    // handles (tokens drop the handles of private objects at logout), so the login below checks the
                    // PIN only if the token is not logged in; once the last user is gone, it is checked again
                    LOG.debug("{}: in use by another bundle, not logged out to check the PIN", entry.description);
                } else {
                    // the token may be logged in (by another user in this process) with a different PIN: log out so
                    // the login below really checks this PIN
                    logout(entry);
                }
            }
            LOGIN_REQUESTS.incrementAndGet();
            try {
                store.load(null, request.pin.length == 0 ? null : request.pin);
            } catch (Exception e) {
                entry.pinDigest = null;
                throw loginFailure(request, entry, e);
            }
            entry.pinDigest = digest;
            TokenKey key = key(request, entry, store);
            for (Entry other : distinctEntries()) {
                if (other != entry && other.owners.remove(owner) && other.owners.isEmpty()) {
                    logoutIfUnused(other);
                }
            }
            entry.owners.add(owner);
            users(entry.provider).add(COPY_ID);
            return key;
        }
    }

    /**
     * The owner no longer uses its token; the last user of a token logs it out. The provider stays registered for the
     * next use.
     *
     * @param owner as given to {@link #load(Request, Object)}
     */
    public static void release(Object owner) {
        synchronized (LOCK) {
            synchronized (sharedLock()) {
                for (Entry e : distinctEntries()) {
                    if (e.owners.remove(owner) && e.owners.isEmpty() && logoutIfUnused(e)) {
                        LOG.debug("{}: logged out, no configuration uses it any more", e.description);
                    }
                }
            }
        }
    }

    private static Set<Entry> distinctEntries() {
        Set<Entry> entries = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        entries.addAll(TOKENS.values());
        return entries;
    }

    /**
     * This copy no longer uses the token: logs it out unless another class copy still does.
     *
     * @return whether it was logged out
     */
    private static boolean logoutIfUnused(Entry entry) {
        Set<String> users = users(entry.provider);
        users.remove(COPY_ID);
        if (!users.isEmpty()) {
            // another bundle's configuration still signs with this token: keep its login
            return false;
        }
        logout(entry);
        return true;
    }

    /** @return whether another copy of this class has a user of the entry's token */
    private static boolean signingElsewhere(Entry entry) {
        for (String user : users(entry.provider)) {
            if (!user.equals(COPY_ID)) {
                return true;
            }
        }
        return false;
    }

    /** @return the ids of the class copies using the provider's token, shared by every copy through the provider */
    @SuppressWarnings("unchecked")
    static Set<String> users(Provider provider) {
        Object users = provider.get(USERS_PROPERTY);
        if (!(users instanceof Set)) {
            Set<String> created = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Object previous = provider.putIfAbsent(USERS_PROPERTY, created);
            users = previous instanceof Set ? previous : created;
        }
        return (Set<String>) users;
    }

    /** @return the lock every copy of this class shares: the JDK's base SunPKCS11 provider instance */
    private static Object sharedLock() {
        Provider base = Security.getProvider("SunPKCS11");
        return base == null ? LOCK : base;
    }

    private static void logout(Entry entry) {
        entry.pinDigest = null;
        if (entry.provider instanceof AuthProvider) {
            try {
                ((AuthProvider) entry.provider).logout();
            } catch (Exception e) {
                LOG.debug("{}: logout failed: {}", entry.description, describe(e));
            }
        }
    }

    // ------------------------------------------------------------------ provider per (library, slot)

    private static Entry entry(Request request) {
        String library = request.library.toString();
        Origin libOrigin = Origin.setting(LIBRARY, request.library);
        if (!Files.exists(request.library)) {
            throw libOrigin.fail(Reason.MISSING_FILE, "does not exist (install the PKCS#11 module, e.g. "
                    + "libtpm2_pkcs11.so, opensc-pkcs11.so or libsofthsm2.so)");
        }
        if (!Files.isRegularFile(request.library)) {
            throw libOrigin.fail(Reason.NOT_A_FILE, "is not a file");
        }
        if (!Files.isReadable(request.library)) {
            throw libOrigin.fail(Reason.UNREADABLE, "cannot be read (permissions)");
        }
        long slot = request.slot;
        String slotKey;
        if (!request.tokenLabel.isEmpty()) {
            Entry known = TOKENS.get(library + "|label=" + request.tokenLabel);
            if (known != null) {
                return known;
            }
            slot = slotOfLabel(request);
            slotKey = "label=" + request.tokenLabel;
        } else {
            slotKey = slot >= 0 ? "slot=" + slot : "first";
        }
        String key = library + "|" + slotKey;
        Entry entry = TOKENS.get(key);
        if (entry != null) {
            return entry;
        }
        String config = "library = \"" + library + "\"\n" + (slot >= 0 ? "slot = " + slot + "\n" : "slotListIndex = 0\n");
        String name = PROVIDER_PREFIX + hash(config);
        Provider provider = Security.getProvider("SunPKCS11-" + name);
        if (provider == null) {
            provider = configure("name = " + name + "\n" + config, request);
            Security.addProvider(provider);
            // another copy of this class may have registered the same one meanwhile: use the registered one
            Provider registered = Security.getProvider(provider.getName());
            if (registered != null) {
                provider = registered;
            }
            LOG.info("PKCS#11 {}: provider {} configured and registered", request.where(), provider.getName());
        }
        // a slot reached by label and by id is one provider, one login state
        for (Entry e : TOKENS.values()) {
            if (e.provider == provider) {
                TOKENS.put(key, e);
                return e;
            }
        }
        entry = new Entry(provider, request.where());
        TOKENS.put(key, entry);
        return entry;
    }

    private static void forget(Request request, Entry entry) {
        TOKENS.values().removeIf(e -> e == entry);
    }

    private static Provider configure(String config, Request request) {
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw Origin.setting(LIBRARY, request.library).fail(Reason.UNSUPPORTED, "this Java runtime has no "
                    + "SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        try {
            return base.configure("--" + config);
        } catch (RuntimeException e) {
            throw configureFailure(request, e);
        }
    }

    private static TlsMaterialException configureFailure(Request request, Exception e) {
        String text = chainText(e);
        Origin libOrigin = Origin.setting(LIBRARY, request.library);
        if (text.contains("CKR_SLOT_ID_INVALID") || text.contains("slotListIndex")) {
            return absent(request, "there is no such slot", e);
        }
        if (text.contains("CKR_TOKEN_NOT_PRESENT") || text.contains("CKR_TOKEN_NOT_RECOGNIZED")
                || text.contains("CKR_DEVICE_REMOVED") || text.contains("No token present")) {
            return absent(request, "no (initialised) token is present in the slot", e);
        }
        if (text.contains("C_GetFunctionList") || text.contains("ELF") || text.contains("file too short")
                || text.contains("cannot open shared object")
                || (text.contains("Initialization failed") && e.getCause() instanceof IOException)) {
            return libOrigin.fail(Reason.UNSUPPORTED, "is not a PKCS#11 module (" + describe(rootCause(e)) + ")", e);
        }
        if (text.contains("does not exist")) {
            return libOrigin.fail(Reason.MISSING_FILE, "does not exist", e);
        }
        return libOrigin.fail(Reason.UNSUPPORTED, "cannot be used as a PKCS#11 module: " + describe(rootCause(e)), e);
    }

    private static TlsMaterialException absent(Request request, String detail, Throwable cause) {
        String setting = !request.tokenLabel.isEmpty() ? TOKEN_LABEL : SLOT;
        return Origin.setting(setting, null).fail(Reason.TOKEN_ABSENT, request.where() + ": " + detail
                + " (token unplugged, not initialised, or another slot or label?)", cause);
    }

    /**
     * Finds the slot holding the token with the label: one provider per slot with {@code showInfo} prints the token
     * information, which is captured for this thread only.
     */
    private static long slotOfLabel(Request request) {
        String library = request.library.toString();
        String first = capture(() -> configure("name = " + PROVIDER_PREFIX + "probe\nlibrary = \"" + library
                + "\"\nslotListIndex = 0\nshowInfo = true\n", request), request);
        Matcher m = SLOT_LINE.matcher(first);
        List<Long> slots = new ArrayList<>();
        if (m.find()) {
            for (String s : m.group(1).split(",")) {
                s = s.trim();
                if (s.matches("\\d+")) {
                    slots.add(Long.parseLong(s));
                }
            }
        }
        Map<Long, String> labels = new LinkedHashMap<>();
        labels(first, labels);
        for (long slot : slots) {
            if (labels.containsKey(slot)) {
                continue;
            }
            String info = capture(() -> configure("name = " + PROVIDER_PREFIX + "probe\nlibrary = \"" + library
                    + "\"\nslot = " + slot + "\nshowInfo = true\n", request), request);
            labels(info, labels);
        }
        for (Map.Entry<Long, String> e : labels.entrySet()) {
            if (e.getValue().equals(request.tokenLabel)) {
                return e.getKey();
            }
        }
        List<String> known = new ArrayList<>();
        labels.forEach((slot, label) -> known.add("'" + printable(label) + "' (slot " + slot + ")"));
        throw absent(request, "no token has this label (tokens present: " + (known.isEmpty() ? "none"
                : String.join(", ", known)) + ")", null);
    }

    private static void labels(String info, Map<Long, String> labels) {
        Matcher t = TOKEN_LABEL_LINE.matcher(info);
        while (t.find()) {
            // CK_TOKEN_INFO labels are blank-padded to 32 bytes
            labels.put(Long.parseLong(t.group(1)), t.group(2).replaceAll("\\s+$", ""));
        }
    }

    /** Runs the probe with System.out of this thread captured; other threads' output passes through. */
    private static String capture(Runnable probe, Request request) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Provider base = Security.getProvider("SunPKCS11");
        // one lock for every copy of this class: the JDK's base provider instance
        synchronized (base == null ? LOCK : base) {
            PrintStream original = System.out;
            Thread me = Thread.currentThread();
            PrintStream filter = new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    if (Thread.currentThread() == me) {
                        if (captured.size() < 1_000_000) {
                            captured.write(b);
                        }
                    } else {
                        original.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (Thread.currentThread() == me) {
                        if (captured.size() < 1_000_000) {
                            captured.write(b, off, len);
                        }
                    } else {
                        original.write(b, off, len);
                    }
                }

                @Override
                public void flush() {
                    original.flush();
                }
            }, true, StandardCharsets.UTF_8);
            System.setOut(filter);
            try {
                probe.run();
            } catch (TlsMaterialException e) {
                if (e.reason() != Reason.TOKEN_ABSENT) {
                    throw e;
                }
                // a slot without a usable token: its label is simply not listed
            } finally {
                if (System.out == filter) {
                    System.setOut(original);
                }
            }
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ login and key lookup

    private static TlsMaterialException loginFailure(Request request, Entry entry, Exception e) {
        String text = chainText(e);
        Origin pinOrigin = Origin.setting(PIN, null);
        if (text.contains("CKR_PIN_LOCKED")) {
            return pinOrigin.fail(Reason.PIN_LOCKED, request.where() + ": the PIN is locked (too many wrong PINs); "
                    + "unlock it with the security officer PIN, then update the configuration", e);
        }
        if (text.contains("CKR_PIN_INCORRECT") || text.contains("CKR_PIN_INVALID")
                || text.contains("CKR_PIN_LEN_RANGE") || text.contains("FailedLoginException")) {
            return pinOrigin.fail(Reason.PIN_INCORRECT, request.where() + ": the token refused the PIN (wrong PIN); "
                    + "not retried, so the token is not locked: fix " + PIN + " in the configuration", e);
        }
        if (text.contains("no password provided")) {
            return pinOrigin.fail(Reason.PASSWORD_REQUIRED, request.where() + ": the token needs a PIN and none is "
                    + "configured", e);
        }
        if (text.contains("CKR_TOKEN_NOT_PRESENT") || text.contains("CKR_DEVICE_REMOVED")
                || text.contains("No token present") || text.contains("Token has been removed")
                || text.contains("CKR_SESSION_HANDLE_INVALID") || text.contains("CKR_DEVICE_ERROR")) {
            forget(request, entry);
            return absent(request, "the token is not present (" + describe(rootCause(e)) + ")", e);
        }
        return Origin.setting(PIN, null).fail(Reason.UNSUPPORTED, request.where() + ": login failed: "
                + describe(rootCause(e)), e);
    }

    private static TokenKey key(Request request, Entry entry, KeyStore store) {
        Origin keyOrigin = Origin.setting(KEY_LABEL, null);
        String label = request.keyLabel;
        List<String> keyAliases = new ArrayList<>();
        try {
            for (String a : Collections.list(store.aliases())) {
                if (store.isKeyEntry(a)) {
                    keyAliases.add("'" + printable(a) + "'");
                }
            }
            if (!store.isKeyEntry(label)) {
                throw keyOrigin.fail(Reason.UNKNOWN_ALIAS, request.where() + ": no private key labelled '"
                        + printable(label) + "' with a certificate (keys with certificates: "
                        + (keyAliases.isEmpty() ? "none" : String.join(", ", keyAliases)) + "); SunPKCS11 sees a "
                        + "private key only when the token also holds a certificate with the same CKA_ID: store the "
                        + "device certificate in the token next to the key");
            }
            Key key = store.getKey(label, null);
            if (!(key instanceof PrivateKey)) {
                throw keyOrigin.fail(Reason.NO_PRIVATE_KEY, request.where() + ": '" + printable(label)
                        + "' is not a private key");
            }
            Certificate[] certificates = store.getCertificateChain(label);
            List<X509Certificate> chain = new ArrayList<>();
            if (certificates != null) {
                for (Certificate c : certificates) {
                    if (c instanceof X509Certificate) {
                        chain.add((X509Certificate) c);
                    }
                }
            }
            String description = "key '" + printable(label) + "' in " + request.where();
            LOG.info("PKCS#11 {}: {} key, {}", description, key.getAlgorithm(), key.getEncoded() == null
                    ? "not extractable (it stays in the token)" : "EXTRACTABLE: the token lets software read it");
            return new TokenKey((PrivateKey) key, List.copyOf(chain), description);
        } catch (TlsMaterialException e) {
            throw e;
        } catch (Exception e) {
            String text = chainText(e);
            if (text.contains("CKR_TOKEN_NOT_PRESENT") || text.contains("CKR_DEVICE_REMOVED")
                    || text.contains("Token has been removed")) {
                forget(request, entry);
                throw absent(request, "the token went away while reading it", e);
            }
            throw keyOrigin.fail(Reason.CORRUPT, request.where() + ": cannot read key '" + printable(label) + "': "
                    + describe(rootCause(e)), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] digest(char[] pin) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(SALT);
            byte[] bytes = new String(pin).getBytes(StandardCharsets.UTF_8);
            byte[] result = d.digest(bytes);
            Arrays.fill(bytes, (byte) 0);
            return result;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hash(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                s.append(String.format(Locale.ROOT, "%02x", h[i]));
            }
            return s.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String chainText(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable x = e; x != null; x = x.getCause()) {
            s.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage()).append(" / ");
        }
        return s.toString();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable x = e;
        while (x.getCause() != null && x.getCause() != x) {
            x = x.getCause();
        }
        return x;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return printable(e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** @return the text with control characters written as Java unicode escapes, at most 200 characters */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 200 ? b + "..." : b.toString();
    }
}
