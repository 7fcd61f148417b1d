package org.iotgateway.greengrass.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class HttpTest {

    private static final int LIMIT = 1024;

    private static Http.Response read(String raw) throws IOException {
        return Http.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), LIMIT, 64);
    }

    private static Http.Problem problem(String raw) {
        return assertThrows(Http.ResponseException.class, () -> read(raw)).problem;
    }

    private static String body(Http.Response r) {
        return new String(r.body, StandardCharsets.UTF_8);
    }

    @Test
    void contentLengthBody() throws IOException {
        Http.Response r = read("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        assertEquals(200, r.status);
        assertEquals("OK", r.reason);
        assertEquals("application/json", r.header("content-type"));
        assertEquals("{\"a\":1}", body(r));
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailers() throws IOException {
        Http.Response r = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4;name=value\r\n{\"a\"\r\n3\r\n:12\r\nA\r\n, \"b\": 3 }\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertEquals("{\"a\":12, \"b\": 3 }", body(r));
    }

    @Test
    void bodyUntilTheConnectionCloses() throws IOException {
        assertEquals("{}", body(read("HTTP/1.0 200 OK\r\n\r\n{}")));
    }

    @Test
    void interimResponsesAreSkippedAndBareLineFeedsAccepted() throws IOException {
        Http.Response r = read("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\n[]");
        assertEquals(200, r.status);
        assertEquals("[]", body(r));
    }

    @Test
    void transferEncodingWinsOverContentLength() throws IOException {
        assertEquals("abc", body(read("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n")));
    }

    @Test
    void truncatedBodies() {
        assertEquals(Http.Problem.TRUNCATED, problem("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\":"));
        assertEquals(Http.Problem.TRUNCATED, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\""));
        assertEquals(Http.Problem.TRUNCATED, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"));
        assertEquals(Http.Problem.TRUNCATED, problem("HTTP/1.1 200 OK\r\nContent-Le"));
        assertEquals(Http.Problem.TRUNCATED, problem(""));
    }

    @Test
    void bodiesOverTheLimit() {
        assertEquals(Http.Problem.TOO_LARGE, problem("HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n"));
        String big = "x".repeat(LIMIT + 1);
        assertEquals(Http.Problem.TOO_LARGE, problem("HTTP/1.1 200 OK\r\n\r\n" + big));
        assertEquals(Http.Problem.TOO_LARGE, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "200\r\n" + "y".repeat(512) + "\r\n201\r\n" + "z".repeat(513) + "\r\n0\r\n\r\n"));
    }

    @Test
    void exactlyTheLimitIsAccepted() throws IOException {
        String body = "x".repeat(LIMIT);
        assertEquals(body, body(read("HTTP/1.1 200 OK\r\nContent-Length: " + LIMIT + "\r\n\r\n" + body)));
    }

    @Test
    void malformedResponses() {
        assertEquals(Http.Problem.MALFORMED, problem("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 2x0 OK\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nabc\r\n0\r\n\r\n"));
        assertEquals(Http.Problem.MALFORMED, problem("HTTP/1.1 200 OK\r\nX: " + "a".repeat(Http.MAX_HEAD_BYTES)
                + "\r\n\r\n"));
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i <= Http.MAX_HEADER_FIELDS; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertEquals(Http.Problem.MALFORMED, problem(many.append("\r\n").toString()));
    }

    @Test
    void errorBodiesAreCutAndKeptAsFarAsTheyCame() throws IOException {
        Http.Response big = read("HTTP/1.1 500 Internal\r\nContent-Length: 5000\r\n\r\n" + "e".repeat(100));
        assertEquals(500, big.status);
        assertEquals(64, big.body.length);
        assertTrue(big.bodyCut);
        Http.Response truncated = read("HTTP/1.1 404 Not Found\r\nContent-Length: 50\r\n\r\n{\"errorMessage\"");
        assertEquals("{\"errorMessage\"", body(truncated));
        Http.Response empty = read("HTTP/1.1 401 Unauthorized\r\n\r\n");
        assertEquals(0, empty.body.length);
    }

    @Test
    void writesAMinimalGet() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        Http.writeGet(out, "example.com:8443", "/greengrass/discover/thing/t1", headers);
        assertArrayEquals(("GET /greengrass/discover/thing/t1 HTTP/1.1\r\nHost: example.com:8443\r\n"
                + "Accept: application/json\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                out.toByteArray());
    }
}
