package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds AWS credentials for signing, in the order of the AWS SDKs: the configuration ({@code aws.access.key.id},
 * {@code aws.secret.access.key}, {@code aws.session.token}), then the environment ({@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}), then a profile of the AWS shared credentials file
 * ({@code aws.profile}, else {@code AWS_PROFILE}, else {@code default}; {@code aws.credentials.file}, else
 * {@code AWS_SHARED_CREDENTIALS_FILE}, else {@code ~/.aws/credentials}).
 *
 * <p>{@link #resolve(Instant)} looks again every time (the connection calls it on every connection attempt), so
 * credentials rotated in the environment of a restarted process or in the credentials file are used by the next
 * reconnect. Credentials known to have expired (the file's {@code aws_expiration} or
 * {@code x_security_token_expires}, or {@code AWS_CREDENTIAL_EXPIRATION}) are refused before connecting.
 *
 * <p>Problems are {@link InvalidConfigurationException}s naming the setting to fix and where it looked; they never
 * contain a secret.
 */
final class AwsCredentialsChain {

    static final String ACCESS_KEY_SETTING = "aws.access.key.id";
    static final String SECRET_KEY_SETTING = "aws.secret.access.key";
    static final String SESSION_TOKEN_SETTING = "aws.session.token";
    static final String PROFILE_SETTING = "aws.profile";
    static final String FILE_SETTING = "aws.credentials.file";

    static final String ENV_ACCESS_KEY = "AWS_ACCESS_KEY_ID";
    static final String ENV_SECRET_KEY = "AWS_SECRET_ACCESS_KEY";
    static final String ENV_SESSION_TOKEN = "AWS_SESSION_TOKEN";
    static final String ENV_EXPIRATION = "AWS_CREDENTIAL_EXPIRATION";
    static final String ENV_PROFILE = "AWS_PROFILE";
    static final String ENV_FILE = "AWS_SHARED_CREDENTIALS_FILE";

    private static final long MAX_FILE_SIZE = 1024 * 1024;

    private final AwsCredentials configured;
    private final String profileSetting;
    private final String fileSetting;
    private final Environment environment;

    /**
     * @param accessKeyId configured access key id, or empty
     * @param secretAccessKey configured secret, or empty
     * @param sessionToken configured session token, or empty
     * @param profile configured profile name, or empty
     * @param credentialsFile configured credentials file, or empty
     * @param environment environment variables and home directory
     * @throws InvalidConfigurationException for an incomplete configuration (a key without its secret, or the other
     *         way round; a session token without key)
     */
    AwsCredentialsChain(String accessKeyId, String secretAccessKey, String sessionToken, String profile,
            String credentialsFile, Environment environment) {
        String keyId = trim(accessKeyId);
        String secret = secretAccessKey == null ? "" : secretAccessKey.trim();
        String token = sessionToken == null ? "" : sessionToken.trim();
        if (!keyId.isEmpty() && secret.isEmpty()) {
            throw new InvalidConfigurationException(SECRET_KEY_SETTING, "is required when " + ACCESS_KEY_SETTING + " is set");
        }
        if (keyId.isEmpty() && !secret.isEmpty()) {
            throw new InvalidConfigurationException(ACCESS_KEY_SETTING, "is required when " + SECRET_KEY_SETTING + " is set");
        }
        if (keyId.isEmpty() && !token.isEmpty()) {
            throw new InvalidConfigurationException(ACCESS_KEY_SETTING, "is required when " + SESSION_TOKEN_SETTING
                    + " is set (a session token belongs to temporary credentials: set all three)");
        }
        if (!keyId.isEmpty() && !keyId.matches("[A-Za-z0-9]{8,128}")) {
            throw new InvalidConfigurationException(ACCESS_KEY_SETTING, "'" + AwsCredentials.mask(keyId)
                    + "' is not an access key id (letters and digits, like AKIA...)");
        }
        this.configured = keyId.isEmpty() ? null
                : new AwsCredentials(keyId, secret, token, null, "the configuration (" + ACCESS_KEY_SETTING + ")",
                        ACCESS_KEY_SETTING);
        this.profileSetting = trim(profile);
        this.fileSetting = trim(credentialsFile);
        this.environment = environment;
        if (!fileSetting.isEmpty()) {
            try {
                Paths.get(expandHome(fileSetting));
            } catch (InvalidPathException e) {
                throw new InvalidConfigurationException(FILE_SETTING, "'" + fileSetting + "' is not a valid path: "
                        + e.getMessage());
            }
        }
    }

    /**
     * @param now the time, to refuse expired credentials
     * @return the first credentials found
     * @throws InvalidConfigurationException when none are found, they are incomplete or expired; the message says
     *         where it looked
     */
    AwsCredentials resolve(Instant now) {
        AwsCredentials found = configured;
        if (found == null) {
            found = fromEnvironment();
        }
        if (found == null) {
            found = fromProfile();
        }
        if (found.expiration() != null && !now.isBefore(found.expiration())) {
            throw new InvalidConfigurationException(found.setting(), "the AWS credentials " + found.maskedAccessKeyId()
                    + " from " + found.source() + " expired at " + found.expiration()
                    + ": refresh them (the connection reads them again at its next attempt)");
        }
        return found;
    }

    private AwsCredentials fromEnvironment() {
        String keyId = environment.variable(ENV_ACCESS_KEY);
        String secret = environment.variable(ENV_SECRET_KEY);
        if (keyId == null && secret == null) {
            return null;
        }
        if (keyId == null || secret == null) {
            throw new InvalidConfigurationException(ACCESS_KEY_SETTING, "the environment has "
                    + (keyId == null ? ENV_SECRET_KEY + " but not " + ENV_ACCESS_KEY : ENV_ACCESS_KEY + " but not "
                            + ENV_SECRET_KEY) + "; set both, or configure " + ACCESS_KEY_SETTING + " and "
                    + SECRET_KEY_SETTING);
        }
        Instant expiration = parseExpiration(environment.variable(ENV_EXPIRATION));
        return new AwsCredentials(keyId, secret, environment.variable(ENV_SESSION_TOKEN), expiration,
                "the environment (" + ENV_ACCESS_KEY + ")", ACCESS_KEY_SETTING);
    }

    /** @return the profile name used: aws.profile, AWS_PROFILE or default */
    String profileName() {
        if (!profileSetting.isEmpty()) {
            return profileSetting;
        }
        String env = environment.variable(ENV_PROFILE);
        return env != null ? env : "default";
    }

    /** @return the credentials file used: aws.credentials.file, AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials */
    Path credentialsFile() {
        if (!fileSetting.isEmpty()) {
            return Paths.get(expandHome(fileSetting));
        }
        String env = environment.variable(ENV_FILE);
        if (env != null) {
            return Paths.get(expandHome(env));
        }
        String home = environment.userHome();
        return Paths.get(home == null ? "." : home, ".aws", "credentials");
    }

    private String expandHome(String path) {
        String home = environment.userHome();
        if (home != null && (path.equals("~") || path.startsWith("~/"))) {
            return home + path.substring(1);
        }
        return path;
    }

    private AwsCredentials fromProfile() {
        String profile = profileName();
        Path file = credentialsFile();
        String fileSource = !fileSetting.isEmpty() ? FILE_SETTING : environment.variable(ENV_FILE) != null ? ENV_FILE
                : "default location";
        String where = "profile '" + profile + "' of " + file;
        String notFound = "no AWS credentials found for wss-sigv4: none configured (" + ACCESS_KEY_SETTING + ", "
                + SECRET_KEY_SETTING + "), none in the environment (" + ENV_ACCESS_KEY + ", " + ENV_SECRET_KEY + "), and ";
        String text;
        try {
            if (!Files.exists(file)) {
                throw new InvalidConfigurationException(ACCESS_KEY_SETTING, notFound + "the credentials file " + file
                        + " (" + fileSource + ") does not exist; the connection keeps retrying");
            }
            if (Files.size(file) > MAX_FILE_SIZE) {
                throw new InvalidConfigurationException(FILE_SETTING, file + " is too large to be a credentials file");
            }
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (AccessDeniedException e) {
            throw new InvalidConfigurationException(FILE_SETTING, "the credentials file " + file + " cannot be read: "
                    + "permission denied for user " + System.getProperty("user.name"));
        } catch (NoSuchFileException e) {
            throw new InvalidConfigurationException(ACCESS_KEY_SETTING, notFound + "the credentials file " + file
                    + " does not exist");
        } catch (IOException e) {
            throw new InvalidConfigurationException(FILE_SETTING, "the credentials file " + file + " cannot be read: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        Map<String, Map<String, String>> profiles = parse(text);
        Map<String, String> p = profiles.get(profile);
        if (p == null) {
            throw new InvalidConfigurationException(PROFILE_SETTING, notFound + "the credentials file " + file
                    + " has no profile '" + profile + "' (profiles: " + (profiles.isEmpty() ? "none"
                            : String.join(", ", profiles.keySet())) + ")");
        }
        String keyId = p.get("aws_access_key_id");
        String secret = p.get("aws_secret_access_key");
        if (keyId == null || keyId.isEmpty() || secret == null || secret.isEmpty()) {
            List<String> missing = new ArrayList<>();
            if (keyId == null || keyId.isEmpty()) {
                missing.add("aws_access_key_id");
            }
            if (secret == null || secret.isEmpty()) {
                missing.add("aws_secret_access_key");
            }
            throw new InvalidConfigurationException(PROFILE_SETTING, where + " lacks " + String.join(" and ", missing)
                    + " (profiles that assume roles or use SSO are not supported: write the resulting credentials into "
                    + "the file)");
        }
        String token = p.get("aws_session_token");
        if (token == null || token.isEmpty()) {
            token = p.get("aws_security_token");
        }
        String expiry = p.get("aws_expiration");
        if (expiry == null) {
            expiry = p.get("x_security_token_expires");
        }
        return new AwsCredentials(keyId, secret, token, parseExpiration(expiry), where,
                profileSetting.isEmpty() ? FILE_SETTING : PROFILE_SETTING);
    }

    /**
     * Parses an INI file as the AWS tools write it: {@code [name]} sections, {@code key = value} lines, comments
     * starting with '#' or ';'. Keys are compared in lower case.
     */
    static Map<String, Map<String, String>> parse(String text) {
        Map<String, Map<String, String>> profiles = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String raw : text.split("\r\n|\r|\n")) {
            String line = raw.trim();
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1).trim();
            }
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                String name = line.substring(1, line.length() - 1).trim();
                current = profiles.computeIfAbsent(name, k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (current != null && eq > 0) {
                current.put(line.substring(0, eq).trim().toLowerCase(Locale.ROOT), line.substring(eq + 1).trim());
            }
        }
        return profiles;
    }

    private static Instant parseExpiration(String value) {
        if (value == null || value.trim().isEmpty()) {
            return null;
        }
        String v = value.trim();
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e2) {
                return null; // unknown format: the server decides
            }
        }
    }

    /** @return where credentials are looked for, for logs */
    String describe() {
        if (configured != null) {
            return configured.source();
        }
        return "the environment (" + ENV_ACCESS_KEY + "), else profile '" + profileName() + "' of " + credentialsFile();
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }
}
