package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where AWS credentials come from, in which order, and what is reported when they are missing or expired. */
class AwsCredentialsChainTest {

    private static final Instant NOW = Instant.parse("2025-05-05T12:00:00Z");
    private static final String CONFIG_SECRET = "cOnFiGsEcReT/abc+def";
    private static final String ENV_SECRET = "eNvSeCrEt/xyz";
    private static final String FILE_SECRET = "fIlEsEcReT/123";
    private static final String TOKEN = "SeSsIoNtOkEn//+==";

    @TempDir
    Path dir;

    private Environment env(Map<String, String> vars) {
        return Environment.of(vars, dir.toString(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Path credentialsFile(String text) throws Exception {
        Path aws = Files.createDirectories(dir.resolve(".aws"));
        return Files.writeString(aws.resolve("credentials"), text);
    }

    private static void assertNoSecret(String text) {
        for (String secret : new String[] {CONFIG_SECRET, ENV_SECRET, FILE_SECRET, TOKEN}) {
            assertFalse(text.contains(secret), text);
        }
    }

    @Test
    void configurationComesFirstThenEnvironmentThenProfile() throws Exception {
        credentialsFile("[default]\naws_access_key_id = AKIAFILE00000000\naws_secret_access_key = " + FILE_SECRET + "\n");
        Map<String, String> vars = Map.of("AWS_ACCESS_KEY_ID", "AKIAENV000000000", "AWS_SECRET_ACCESS_KEY", ENV_SECRET,
                "AWS_SESSION_TOKEN", TOKEN);
        AwsCredentials c = new AwsCredentialsChain("AKIACONFIG000000", CONFIG_SECRET, "", "", "", env(vars)).resolve(NOW);
        assertEquals("AKIACONFIG000000", c.accessKeyId());
        assertNull(c.sessionToken());
        assertTrue(c.source().contains("configuration"), c.source());

        c = new AwsCredentialsChain("", "", "", "", "", env(vars)).resolve(NOW);
        assertEquals("AKIAENV000000000", c.accessKeyId());
        assertEquals(ENV_SECRET, c.secretAccessKey());
        assertEquals(TOKEN, c.sessionToken());

        c = new AwsCredentialsChain("", "", "", "", "", env(Map.of())).resolve(NOW);
        assertEquals("AKIAFILE00000000", c.accessKeyId());
        assertEquals(FILE_SECRET, c.secretAccessKey());
        assertTrue(c.source().contains("profile 'default' of " + dir.resolve(".aws/credentials")), c.source());
        assertNoSecret(c.toString());
        assertTrue(c.toString().contains("AKIA...0000"), c.toString());
    }

    @Test
    void namedProfilesAndFilesFromConfigurationOrEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("plant-credentials"), "# rotated by the plant agent\n"
                + "[default]\naws_access_key_id=AKIADEFAULT00000\naws_secret_access_key=x\n\n"
                + "[ plant ]\r\nAWS_ACCESS_KEY_ID = AKIAPLANT0000000\r\naws_secret_access_key = " + FILE_SECRET + "\r\n"
                + "aws_session_token = " + TOKEN + "\r\n; comment\r\n");
        AwsCredentials c = new AwsCredentialsChain("", "", "", "plant", file.toString(), env(Map.of())).resolve(NOW);
        assertEquals("AKIAPLANT0000000", c.accessKeyId());
        assertEquals(TOKEN, c.sessionToken());
        c = new AwsCredentialsChain("", "", "", "", "", env(Map.of("AWS_PROFILE", "plant",
                "AWS_SHARED_CREDENTIALS_FILE", file.toString()))).resolve(NOW);
        assertEquals("AKIAPLANT0000000", c.accessKeyId());
        Files.writeString(dir.resolve("home-file"), "[default]\naws_access_key_id=AKIAHOME00000000\n"
                + "aws_secret_access_key=y\n");
        c = new AwsCredentialsChain("", "", "", "", "~/home-file", env(Map.of())).resolve(NOW);
        assertEquals("AKIAHOME00000000", c.accessKeyId());
    }

    @Test
    void theFileIsReadAgainOnEveryResolve() throws Exception {
        Path file = credentialsFile("[default]\naws_access_key_id=AKIAFIRST0000000\naws_secret_access_key=one\n");
        AwsCredentialsChain chain = new AwsCredentialsChain("", "", "", "", "", env(Map.of()));
        assertEquals("AKIAFIRST0000000", chain.resolve(NOW).accessKeyId());
        Files.writeString(file, "[default]\naws_access_key_id=AKIASECOND000000\naws_secret_access_key=two\n");
        AwsCredentials second = chain.resolve(NOW);
        assertEquals("AKIASECOND000000", second.accessKeyId());
        assertEquals("two", second.secretAccessKey());
    }

    @Test
    void missingCredentialsSayWhereTheChainLooked() throws Exception {
        AwsCredentialsChain chain = new AwsCredentialsChain("", "", "", "", "", env(Map.of()));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> chain.resolve(NOW));
        assertEquals("aws.access.key.id", e.property());
        assertTrue(e.getMessage().contains("no AWS credentials found"), e.getMessage());
        assertTrue(e.getMessage().contains("AWS_ACCESS_KEY_ID"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve(".aws/credentials") + " (default location) does not exist"),
                e.getMessage());

        credentialsFile("[other]\naws_access_key_id=AKIAOTHER0000000\naws_secret_access_key=" + FILE_SECRET + "\n");
        InvalidConfigurationException noProfile = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", "", "", "plant", "", env(Map.of())).resolve(NOW));
        assertEquals("aws.profile", noProfile.property());
        assertTrue(noProfile.getMessage().contains("has no profile 'plant' (profiles: other)"), noProfile.getMessage());
        assertNoSecret(noProfile.getMessage());

        credentialsFile("[default]\naws_access_key_id=AKIAONLYKEY00000\n");
        InvalidConfigurationException incomplete = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", "", "", "", "", env(Map.of())).resolve(NOW));
        assertTrue(incomplete.getMessage().contains("lacks aws_secret_access_key"), incomplete.getMessage());

        InvalidConfigurationException halfEnv = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", "", "", "", "", env(Map.of("AWS_ACCESS_KEY_ID", "AKIAENV000000000")))
                        .resolve(NOW));
        assertTrue(halfEnv.getMessage().contains("AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY"), halfEnv.getMessage());
    }

    @Test
    void expiredCredentialsAreRefusedBeforeConnecting() throws Exception {
        credentialsFile("[default]\naws_access_key_id=AKIAEXPIRED00000\naws_secret_access_key=" + FILE_SECRET + "\n"
                + "aws_session_token=" + TOKEN + "\naws_expiration = 2025-05-05T11:59:59Z\n");
        AwsCredentialsChain chain = new AwsCredentialsChain("", "", "", "", "", env(Map.of()));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> chain.resolve(NOW));
        assertEquals("aws.credentials.file", e.property());
        assertTrue(e.getMessage().contains("expired at 2025-05-05T11:59:59Z"), e.getMessage());
        assertTrue(e.getMessage().contains("AKIA...0000"), e.getMessage());
        assertNoSecret(e.getMessage());
        assertEquals("AKIAEXPIRED00000", chain.resolve(Instant.parse("2025-05-05T11:00:00Z")).accessKeyId());

        Map<String, String> vars = new HashMap<>();
        vars.put("AWS_ACCESS_KEY_ID", "AKIAENV000000000");
        vars.put("AWS_SECRET_ACCESS_KEY", ENV_SECRET);
        vars.put("AWS_CREDENTIAL_EXPIRATION", "2025-05-05T13:00:00+01:00");
        InvalidConfigurationException env = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", "", "", "", "", env(vars)).resolve(NOW));
        assertTrue(env.getMessage().contains("the environment"), env.getMessage());
    }

    @Test
    void incompleteConfigurationIsInvalidAtOnce() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("AKIACONFIG000000", "", "", "", "", env(Map.of())));
        assertEquals("aws.secret.access.key", e.property());
        e = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", CONFIG_SECRET, "", "", "", env(Map.of())));
        assertEquals("aws.access.key.id", e.property());
        assertNoSecret(e.getMessage());
        e = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("", "", TOKEN, "", "", env(Map.of())));
        assertEquals("aws.access.key.id", e.property());
        assertNoSecret(e.getMessage());
        e = assertThrows(InvalidConfigurationException.class,
                () -> new AwsCredentialsChain("AKIA WITH SPACE", CONFIG_SECRET, "", "", "", env(Map.of())));
        assertEquals("aws.access.key.id", e.property());
    }
}
