package org.iotgateway.mqtt.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A second, deliberately plain implementation of the SigV4 presigned-URL algorithm, written straight from AWS's
 * description with different building blocks than {@link SigV4} (URLEncoder, TreeMap, String.format), used to check
 * the production signer and to verify signatures in a test server.
 */
final class IndependentSigV4 {

    private IndependentSigV4() {
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    static String sha256(String s) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder();
        for (byte b : d) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    static byte[] hmac(byte[] key, String msg) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(msg.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(byte[] d) {
        StringBuilder sb = new StringBuilder();
        for (byte b : d) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    /**
     * Computes the signature of a presigned GET with only the host header signed.
     *
     * @param path the path as sent
     * @param params the query parameters (decoded) that are signed (everything but X-Amz-Signature and a
     *        token sent after it)
     */
    static String signature(String host, String path, Map<String, String> params, String secret, String payloadHash)
            throws Exception {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : params.entrySet()) {
            sorted.put(encode(e.getKey()), encode(e.getValue()));
        }
        List<String> pairs = new ArrayList<>();
        sorted.forEach((k, v) -> pairs.add(k + "=" + v));
        String canonical = "GET\n" + path + "\n" + String.join("&", pairs) + "\n" + "host:" + host + "\n\n" + "host\n"
                + payloadHash;
        String amzDate = params.get("X-Amz-Date");
        String[] scope = params.get("X-Amz-Credential").split("/", 2)[1].split("/");
        String date = scope[0];
        String region = scope[1];
        String service = scope[2];
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + date + "/" + region + "/" + service + "/aws4_request\n"
                + sha256(canonical);
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        k = hmac(k, "aws4_request");
        return hex(hmac(k, toSign));
    }

    /** Builds a presigned IoT WebSocket URL the simple way. */
    static String iotUrl(String host, int port, String region, String keyId, String secret, String token,
            ZonedDateTime time) throws Exception {
        ZonedDateTime t = time.withZoneSameInstant(ZoneOffset.UTC);
        String amzDate = String.format("%04d%02d%02dT%02d%02d%02dZ", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond());
        String date = amzDate.substring(0, 8);
        Map<String, String> params = new TreeMap<>();
        params.put("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
        params.put("X-Amz-Credential", keyId + "/" + date + "/" + region + "/iotdata/aws4_request");
        params.put("X-Amz-Date", amzDate);
        params.put("X-Amz-Expires", "86400");
        params.put("X-Amz-SignedHeaders", "host");
        String sig = signature(host, "/mqtt", params, secret, sha256(""));
        List<String> pairs = new ArrayList<>();
        params.forEach((k, v) -> pairs.add(encode(k) + "=" + encode(v)));
        String url = "wss://" + host + ":" + port + "/mqtt?" + String.join("&", pairs) + "&X-Amz-Signature=" + sig;
        if (token != null) {
            url += "&X-Amz-Security-Token=" + encode(token);
        }
        return url;
    }

    /** A parsed presigned request: the query parameters in order, decoded. */
    static List<String[]> parseQuery(String rawQuery) {
        List<String[]> result = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            result.add(new String[] { URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8) });
        }
        return result;
    }

    /**
     * Verifies a presigned IoT request line the way a server would.
     *
     * @return null if valid, else why not
     */
    static String verify(String host, String pathAndQuery, Map<String, String> secretsByKeyId) throws Exception {
        int q = pathAndQuery.indexOf('?');
        if (q < 0) {
            return "no query";
        }
        String path = pathAndQuery.substring(0, q);
        List<String[]> params = parseQuery(pathAndQuery.substring(q + 1));
        Map<String, String> signed = new TreeMap<>();
        String signature = null;
        boolean afterSignature = false;
        for (String[] p : params) {
            if (p[0].equals("X-Amz-Signature")) {
                signature = p[1];
                afterSignature = true;
            } else if (afterSignature) {
                if (!p[0].equals("X-Amz-Security-Token")) {
                    return "unexpected parameter after the signature: " + p[0];
                }
            } else {
                signed.put(p[0], p[1]);
            }
        }
        if (signature == null) {
            return "no signature";
        }
        String credential = signed.get("X-Amz-Credential");
        if (credential == null) {
            return "no credential";
        }
        String keyId = credential.split("/")[0];
        String secret = secretsByKeyId.get(keyId);
        if (secret == null) {
            return "unknown access key " + keyId;
        }
        String expected = signature(host, path, signed, secret, sha256(""));
        return expected.equals(signature) ? null : "signature mismatch";
    }
}
