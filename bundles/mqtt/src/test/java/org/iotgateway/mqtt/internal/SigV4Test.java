package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;

import org.junit.jupiter.api.Test;

/**
 * The SigV4 signer against AWS's published examples, and against {@link IndependentSigV4} on random inputs.
 */
class SigV4Test {

    /** The example credentials of the SigV4 test suite and the IAM documentation. */
    private static final String SUITE_KEY = "AKIDEXAMPLE";
    private static final String SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    /** The example credentials of the S3 documentation. */
    private static final String S3_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    @Test
    void signingKeyOfTheIamDocumentationExample() {
        // "Examples of how to derive a signing key for Signature Version 4": 20120215, us-east-1, iam
        assertEquals("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
                SigV4.hex(SigV4.signingKey(SUITE_SECRET, "20120215", "us-east-1", "iam")));
    }

    private static String suiteSignature(String method, String query) {
        SortedMap<String, String> headers = SigV4.canonicalHeaders(Map.of("Host", "example.amazonaws.com",
                "X-Amz-Date", "20150830T123600Z"));
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                params.add(Map.entry(kv[0], kv[1]));
            }
        }
        String canonical = SigV4.canonicalRequest(method, "/", SigV4.canonicalQuery(params), headers,
                SigV4.EMPTY_PAYLOAD_SHA256);
        String scope = SigV4.scope("20150830", "us-east-1", "service");
        return SigV4.signature(SigV4.signingKey(SUITE_SECRET, "20150830", "us-east-1", "service"),
                SigV4.stringToSign("20150830T123600Z", scope, canonical));
    }

    @Test
    void signatureTestSuiteVectors() {
        // aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case, post-vanilla
        assertEquals("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", suiteSignature("GET", ""));
        assertEquals("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                suiteSignature("GET", "Param2=value2&Param1=value1"));
        assertEquals("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", suiteSignature("POST", ""));
    }

    @Test
    void presignedUrlOfTheS3Documentation() {
        // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", the GET test.txt example
        AwsCredentials c = new AwsCredentials(S3_KEY, S3_SECRET, null, null, "test", "test");
        String query = SigV4.presignedQuery("GET", "examplebucket.s3.amazonaws.com", "/test.txt", List.of(), "us-east-1",
                "s3", c, Instant.parse("2013-05-24T00:00:00Z"), 86400, "UNSIGNED-PAYLOAD", true);
        assertEquals("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
                + "%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", query);
    }

    @Test
    void uriEncodingFollowsTheSpecification() {
        assertEquals("a%20b%2Fc~d._-%2A%2B%3D%26", SigV4.uriEncode("a b/c~d._-*+=&", false));
        assertEquals("/a%20b/c", SigV4.uriEncode("/a b/c", true));
        assertEquals("%C3%A4", SigV4.uriEncode("\u00e4", false));
    }

    @Test
    void theIotUrlHasTheSessionTokenAfterTheUnchangedSignature() throws Exception {
        Instant t = Instant.parse("2024-03-01T10:15:30Z");
        AwsCredentials plain = new AwsCredentials(SUITE_KEY, SUITE_SECRET, null, null, "test", "test");
        AwsCredentials withToken = new AwsCredentials(SUITE_KEY, SUITE_SECRET, "Fw/ZXIvYXdz+token==", null, "test", "test");
        String a = SigV4.presignedQuery("GET", "host.example", "/mqtt", List.of(), "eu-west-1", "iotdata", plain, t,
                86400, SigV4.EMPTY_PAYLOAD_SHA256, true);
        String b = SigV4.presignedQuery("GET", "host.example", "/mqtt", List.of(), "eu-west-1", "iotdata", withToken, t,
                86400, SigV4.EMPTY_PAYLOAD_SHA256, true);
        assertEquals(a + "&X-Amz-Security-Token=Fw%2FZXIvYXdz%2Btoken%3D%3D", b, "token appended, not signed");
    }

    @Test
    void theWebSocketUrlMatchesTheIndependentImplementationExactly() throws Exception {
        Instant t = Instant.parse("2025-01-31T23:59:59Z");
        Environment env = Environment.of(Map.of(), "/nonexistent", Clock.fixed(t, ZoneOffset.UTC));
        AwsCredentialsChain chain = new AwsCredentialsChain(SUITE_KEY, SUITE_SECRET, "tok/en+1=", "", "", env);
        SigV4WebSocketUrl url = new SigV4WebSocketUrl("test", "a1b2c3-ats.iot.eu-central-1.amazonaws.com", 443,
                "eu-central-1", chain, env);
        String signed = url.sign();
        assertEquals(IndependentSigV4.iotUrl("a1b2c3-ats.iot.eu-central-1.amazonaws.com", 443, "eu-central-1", SUITE_KEY,
                SUITE_SECRET, "tok/en+1=", t.atZone(ZoneOffset.UTC)), signed);
        assertTrue(signed.startsWith("wss://a1b2c3-ats.iot.eu-central-1.amazonaws.com:443/mqtt?X-Amz-Algorithm="
                + "AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250131%2Feu-central-1%2Fiotdata%2Faws4_request"
                + "&X-Amz-Date=20250131T235959Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="), signed);
        assertTrue(signed.endsWith("&X-Amz-Security-Token=tok%2Fen%2B1%3D"), signed);
        // Paho parses the URL with java.net.URI and sends raw path + "?" + raw query: nothing is re-encoded
        URI uri = new URI(signed);
        assertEquals("/mqtt", uri.getRawPath());
        assertEquals(signed.substring(signed.indexOf('?') + 1), uri.getRawQuery());
        assertEquals("a1b2c3-ats.iot.eu-central-1.amazonaws.com", uri.getHost());
        assertEquals(443, uri.getPort());
        assertNull(IndependentSigV4.verify(uri.getHost(), uri.getRawPath() + "?" + uri.getRawQuery(),
                Map.of(SUITE_KEY, SUITE_SECRET)));
        assertEquals("wss://a1b2c3-ats.iot.eu-central-1.amazonaws.com:443/mqtt", url.displayUri());
    }

    @Test
    void randomInputsAgreeWithTheIndependentImplementation() throws Exception {
        Random random = new Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_.~ %&?";
        for (int i = 0; i < 200; i++) {
            String key = "AKIA" + randomString(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            String secret = randomString(random, alphabet, 40);
            String token = random.nextBoolean() ? null : randomString(random, alphabet, 1 + random.nextInt(300));
            String region = new String[] {"us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1"}
                    [random.nextInt(5)];
            String host = randomString(random, "abcdefghijklmnopqrstuvwxyz0123456789", 14) + "-ats.iot." + region
                    + ".amazonaws.com";
            Instant t = Instant.ofEpochSecond(1_500_000_000L + (long) random.nextInt(400_000_000));
            Environment env = Environment.of(Map.of(), null, Clock.fixed(t, ZoneOffset.UTC));
            String signed = new SigV4WebSocketUrl("test", host, 443, region,
                    new AwsCredentialsChain(key, secret, token == null ? "" : token, "", "", env), env).sign();
            String trimmedToken = token == null || token.trim().isEmpty() ? null : token.trim();
            assertEquals(IndependentSigV4.iotUrl(host, 443, region, key, secret.trim(), trimmedToken,
                    t.atZone(ZoneOffset.UTC)), signed, "input " + i);
            URI uri = new URI(signed);
            assertNull(IndependentSigV4.verify(host, uri.getRawPath() + "?" + uri.getRawQuery(), Map.of(key, secret.trim())));
        }
    }

    @Test
    void everySignatureUsesTheTimeOfItsAttempt() throws Exception {
        Instant[] now = { Instant.parse("2024-06-01T00:00:00Z") };
        Clock ticking = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        Environment env = Environment.of(Map.of(), null, ticking);
        SigV4WebSocketUrl url = new SigV4WebSocketUrl("test", "h-ats.iot.us-east-1.amazonaws.com", 443, "us-east-1",
                new AwsCredentialsChain(SUITE_KEY, SUITE_SECRET, "", "", "", env), env);
        String first = url.sign();
        now[0] = now[0].plusSeconds(61);
        String second = url.sign();
        assertFalse(first.equals(second));
        assertTrue(first.contains("X-Amz-Date=20240601T000000Z"), first);
        assertTrue(second.contains("X-Amz-Date=20240601T000101Z"), second);
    }

    private static String randomString(Random random, String alphabet, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
