package org.iotgateway.mqtt.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 (HMAC-SHA256), the parts a presigned URL needs, with the JDK alone: URI encoding,
 * canonical request, string to sign, signing key and signature, and the query string of a presigned request.
 *
 * <p>Everything is a pure function of its arguments (the time is passed in), so the published AWS examples can be
 * reproduced exactly.
 */
final class SigV4 {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    /** SHA-256 of the empty string: the payload hash of a GET. */
    static final String EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

    private SigV4() {
    }

    /** @return the time as {@code X-Amz-Date}, e.g. 20150830T123600Z */
    static String amzDate(Instant time) {
        return AMZ_DATE.format(time);
    }

    /** @return the date part of the credential scope, e.g. 20150830 */
    static String dateStamp(Instant time) {
        return DATE_STAMP.format(time);
    }

    /** @return date/region/service/aws4_request */
    static String scope(String dateStamp, String region, String service) {
        return dateStamp + "/" + region + "/" + service + "/aws4_request";
    }

    /**
     * URI-encodes as SigV4 requires: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every other UTF-8 byte
     * becomes %XY with upper-case hex; a space is %20, never '+'.
     *
     * @param value the text
     * @param keepSlash whether '/' stays (for paths)
     */
    static String uriEncode(String value, boolean keepSlash) {
        StringBuilder sb = new StringBuilder(value.length() + 16);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (keepSlash && c == '/')) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0xf]);
            }
        }
        return sb.toString();
    }

    /**
     * @param parameters query parameters, not yet encoded (names may repeat)
     * @return the canonical query string: encoded names and values, sorted by name then value, joined with '&amp;'
     */
    static String canonicalQuery(List<Map.Entry<String, String>> parameters) {
        List<String[]> encoded = new ArrayList<>();
        for (Map.Entry<String, String> p : parameters) {
            encoded.add(new String[] { uriEncode(p.getKey(), false), uriEncode(p.getValue(), false) });
        }
        encoded.sort(Comparator.<String[], String>comparing(e -> e[0]).thenComparing(e -> e[1]));
        StringBuilder sb = new StringBuilder();
        for (String[] e : encoded) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(e[0]).append('=').append(e[1]);
        }
        return sb.toString();
    }

    /**
     * @param headers header names and values as sent
     * @return lower-case names to values with surrounding white space trimmed and inner runs collapsed, sorted
     */
    static SortedMap<String, String> canonicalHeaders(Map<String, String> headers) {
        SortedMap<String, String> result = new TreeMap<>();
        for (Map.Entry<String, String> h : headers.entrySet()) {
            result.put(h.getKey().toLowerCase(java.util.Locale.ROOT).trim(), h.getValue().trim().replaceAll("\\s+", " "));
        }
        return result;
    }

    /** @return the signed header names joined with ';' */
    static String signedHeaders(SortedMap<String, String> canonicalHeaders) {
        return String.join(";", canonicalHeaders.keySet());
    }

    /**
     * @param method HTTP method
     * @param path the absolute path, not yet encoded
     * @param canonicalQuery from {@link #canonicalQuery(List)}
     * @param canonicalHeaders from {@link #canonicalHeaders(Map)}
     * @param payloadHash hex SHA-256 of the body, or {@code UNSIGNED-PAYLOAD} where a service allows it
     * @return the canonical request
     */
    static String canonicalRequest(String method, String path, String canonicalQuery,
            SortedMap<String, String> canonicalHeaders, String payloadHash) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append('\n');
        sb.append(path.isEmpty() ? "/" : uriEncode(path, true)).append('\n');
        sb.append(canonicalQuery).append('\n');
        for (Map.Entry<String, String> h : canonicalHeaders.entrySet()) {
            sb.append(h.getKey()).append(':').append(h.getValue()).append('\n');
        }
        sb.append('\n');
        sb.append(signedHeaders(canonicalHeaders)).append('\n');
        sb.append(payloadHash);
        return sb.toString();
    }

    /** @return AWS4-HMAC-SHA256, the date, the scope and the hash of the canonical request, one per line */
    static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
    }

    /** @return the derived key: HMAC chain over date, region, service and "aws4_request" */
    static byte[] signingKey(String secretAccessKey, String dateStamp, String region, String service) {
        byte[] kSecret = ("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8);
        byte[] kDate = hmac(kSecret, dateStamp);
        byte[] kRegion = hmac(kDate, region);
        byte[] kService = hmac(kRegion, service);
        return hmac(kService, "aws4_request");
    }

    /** @return hex HMAC-SHA256 of the string to sign */
    static String signature(byte[] signingKey, String stringToSign) {
        return hex(hmac(signingKey, stringToSign));
    }

    /**
     * The query string of a presigned request: the canonical query including the authentication parameters, then
     * {@code X-Amz-Signature}, then, when the credentials have one and {@code tokenAfterSignature} is set, the
     * session token as {@code X-Amz-Security-Token} (not signed: AWS IoT's WebSocket convention). Without
     * {@code tokenAfterSignature} a session token is signed as one more parameter (the S3 convention).
     *
     * @param method HTTP method
     * @param host the Host header value that is signed
     * @param path the path, not yet encoded
     * @param extraParameters other query parameters, or an empty list
     * @param region region
     * @param service service name in the scope
     * @param credentials the credentials
     * @param time the signing time
     * @param expiresSeconds {@code X-Amz-Expires}
     * @param payloadHash payload hash
     * @param tokenAfterSignature where a session token goes
     * @return the query string, without '?'
     */
    static String presignedQuery(String method, String host, String path, List<Map.Entry<String, String>> extraParameters,
            String region, String service, AwsCredentials credentials, Instant time, long expiresSeconds, String payloadHash,
            boolean tokenAfterSignature) {
        String amzDate = amzDate(time);
        String scope = scope(dateStamp(time), region, service);
        SortedMap<String, String> headers = canonicalHeaders(Map.of("host", host));
        List<Map.Entry<String, String>> params = new ArrayList<>(extraParameters);
        params.add(Map.entry("X-Amz-Algorithm", ALGORITHM));
        params.add(Map.entry("X-Amz-Credential", credentials.accessKeyId() + "/" + scope));
        params.add(Map.entry("X-Amz-Date", amzDate));
        params.add(Map.entry("X-Amz-Expires", Long.toString(expiresSeconds)));
        params.add(Map.entry("X-Amz-SignedHeaders", signedHeaders(headers)));
        String token = credentials.sessionToken();
        if (token != null && !tokenAfterSignature) {
            params.add(Map.entry("X-Amz-Security-Token", token));
        }
        String query = canonicalQuery(params);
        String canonicalRequest = canonicalRequest(method, path, query, headers, payloadHash);
        byte[] key = signingKey(credentials.secretAccessKey(), dateStamp(time), region, service);
        String signature = signature(key, stringToSign(amzDate, scope, canonicalRequest));
        java.util.Arrays.fill(key, (byte) 0);
        StringBuilder sb = new StringBuilder(query).append("&X-Amz-Signature=").append(signature);
        if (token != null && tokenAfterSignature) {
            sb.append("&X-Amz-Security-Token=").append(uriEncode(token, false));
        }
        return sb.toString();
    }

    static String sha256Hex(String text) {
        try {
            return hex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
