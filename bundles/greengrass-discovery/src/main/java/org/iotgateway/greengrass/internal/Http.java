package org.iotgateway.greengrass.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The little HTTP/1.1 this bundle needs: one {@code GET} per connection ({@code Connection: close}) and a strict,
 * bounded reader of the response (RFC 9112): status line, headers, then a body delimited by
 * {@code Transfer-Encoding: chunked}, {@code Content-Length} or the end of the connection.
 * <p>
 * Every limit is enforced while reading: the head (16 KB, 100 header fields), the body (the caller's limit; a larger
 * {@code Content-Length} is refused before reading) and chunk-size lines. A body that ends early is
 * {@link Problem#TRUNCATED}; anything that is not HTTP is {@link Problem#MALFORMED}.
 */
final class Http {

    static final int MAX_HEAD_BYTES = 16 * 1024;
    static final int MAX_HEADER_FIELDS = 100;
    private static final int MAX_CHUNK_LINE = 1024;

    private Http() {
    }

    /** What is wrong with a response. */
    enum Problem {
        MALFORMED, TRUNCATED, TOO_LARGE
    }

    /** The response cannot be read; {@link #problem} says why. */
    static final class ResponseException extends IOException {
        private static final long serialVersionUID = 1L;

        final Problem problem;

        ResponseException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }
    }

    /** A complete response. */
    static final class Response {
        final int status;
        final String reason;
        /** Header fields by lower-case name, values in order. */
        final Map<String, List<String>> headers;
        final byte[] body;
        /** Whether the body was cut at the limit (only in lenient mode). */
        final boolean bodyCut;

        Response(int status, String reason, Map<String, List<String>> headers, byte[] body, boolean bodyCut) {
            this.status = status;
            this.reason = reason;
            this.headers = headers;
            this.body = body;
            this.bodyCut = bodyCut;
        }

        /** @return the last value of the header, or {@code null} */
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
        }
    }

    /**
     * Writes {@code GET path HTTP/1.1} with {@code Host}, {@code Connection: close} and the given headers.
     *
     * @param out     the connection's output
     * @param host    the value of the {@code Host} header
     * @param path    the request target, already encoded
     * @param headers further header fields
     */
    static void writeGet(OutputStream out, String host, String path, Map<String, String> headers) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append("GET ").append(path).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append("\r\n");
        for (Map.Entry<String, String> h : headers.entrySet()) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * Reads one response, skipping interim (1xx) responses. The body of a successful (2xx) response is read strictly:
     * over {@code maxBodyBytes} it is {@link Problem#TOO_LARGE}, ending early it is {@link Problem#TRUNCATED}. The
     * body of any other response is only a message: it is cut at {@code maxErrorBodyBytes} and kept as far as it
     * came.
     *
     * @param in                the connection's input (buffered by the caller)
     * @param maxBodyBytes      the largest body of a successful response
     * @param maxErrorBodyBytes how much of the body of another response is kept
     * @return the response
     * @throws ResponseException for a malformed, truncated or too large response
     * @throws IOException       when reading fails
     */
    static Response read(InputStream in, int maxBodyBytes, int maxErrorBodyBytes) throws IOException {
        int[] headBudget = { MAX_HEAD_BYTES };
        while (true) {
            String statusLine = readLine(in, headBudget, "status line");
            if (statusLine == null) {
                throw new ResponseException(Problem.TRUNCATED, "the server closed the connection without answering");
            }
            if (statusLine.isEmpty()) {
                continue; // RFC 9112 2.2: a robust client ignores empty lines before the status line
            }
            int status = status(statusLine);
            String reason = reason(statusLine);
            Map<String, List<String>> headers = headers(in, headBudget);
            if (status >= 100 && status < 200) {
                if (status == 101) {
                    throw new ResponseException(Problem.MALFORMED, "unexpected 101 Switching Protocols");
                }
                continue;
            }
            boolean success = status / 100 == 2;
            byte[] body;
            boolean[] cut = { false };
            if (status == 204 || status == 304) {
                body = new byte[0];
            } else {
                body = body(in, headers, success ? maxBodyBytes : maxErrorBodyBytes, !success, cut);
            }
            return new Response(status, reason, headers, body, cut[0]);
        }
    }

    private static int status(String line) throws ResponseException {
        // HTTP-version SP 3DIGIT SP [reason]
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new ResponseException(Problem.MALFORMED, "not an HTTP/1.x status line: '" + printable(line) + "'");
        }
        String code = line.substring(9, 12);
        if (line.length() > 12 && line.charAt(12) != ' ') {
            throw new ResponseException(Problem.MALFORMED, "invalid status code in '" + printable(line) + "'");
        }
        for (int i = 0; i < 3; i++) {
            if (!Character.isDigit(code.charAt(i))) {
                throw new ResponseException(Problem.MALFORMED, "invalid status code in '" + printable(line) + "'");
            }
        }
        return Integer.parseInt(code);
    }

    private static String reason(String line) {
        return line.length() > 13 ? line.substring(13).trim() : "";
    }

    private static Map<String, List<String>> headers(InputStream in, int[] headBudget) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        int count = 0;
        while (true) {
            String line = readLine(in, headBudget, "header");
            if (line == null) {
                throw new ResponseException(Problem.TRUNCATED, "the connection closed in the middle of the headers");
            }
            if (line.isEmpty()) {
                break;
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new ResponseException(Problem.MALFORMED, "obsolete header line folding");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ResponseException(Problem.MALFORMED, "invalid header line '" + printable(line) + "'");
            }
            String name = line.substring(0, colon);
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                    throw new ResponseException(Problem.MALFORMED, "invalid header name '" + printable(name) + "'");
                }
            }
            if (++count > MAX_HEADER_FIELDS) {
                throw new ResponseException(Problem.MALFORMED, "more than " + MAX_HEADER_FIELDS + " header fields");
            }
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            e.setValue(Collections.unmodifiableList(e.getValue()));
        }
        return Collections.unmodifiableMap(headers);
    }

    private static byte[] body(InputStream in, Map<String, List<String>> headers, int max, boolean lenient,
            boolean[] cut) throws IOException {
        List<String> encodings = tokens(headers.get("transfer-encoding"));
        List<String> contentEncodings = tokens(headers.get("content-encoding"));
        contentEncodings.remove("identity");
        if (!contentEncodings.isEmpty() && !lenient) {
            throw new ResponseException(Problem.MALFORMED, "unsupported Content-Encoding " + contentEncodings
                    + " (none was asked for)");
        }
        if (!encodings.isEmpty()) {
            if (!encodings.equals(List.of("chunked"))) {
                throw new ResponseException(Problem.MALFORMED, "unsupported Transfer-Encoding " + encodings);
            }
            return chunked(in, max, lenient, cut);
        }
        List<String> lengths = headers.get("content-length");
        if (lengths != null) {
            long length = contentLength(lengths);
            if (length > max) {
                if (!lenient) {
                    throw new ResponseException(Problem.TOO_LARGE, "the answer announces " + length
                            + " bytes, more than the limit of " + max);
                }
                cut[0] = true;
                return readUpTo(in, max, lenient, "the announced Content-Length of " + length);
            }
            return readUpTo(in, (int) length, lenient, "the announced Content-Length of " + length);
        }
        // delimited by the end of the connection
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if (body.size() + n > max) {
                if (!lenient) {
                    throw new ResponseException(Problem.TOO_LARGE, "the answer is larger than the limit of " + max
                            + " bytes");
                }
                body.write(buffer, 0, max - body.size());
                cut[0] = true;
                break;
            }
            body.write(buffer, 0, n);
        }
        return body.toByteArray();
    }

    private static long contentLength(List<String> values) throws ResponseException {
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",")) {
                String v = part.trim();
                long l;
                if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(Character::isDigit)) {
                    throw new ResponseException(Problem.MALFORMED, "invalid Content-Length '" + printable(value) + "'");
                }
                l = Long.parseLong(v);
                if (length >= 0 && l != length) {
                    throw new ResponseException(Problem.MALFORMED, "conflicting Content-Length values " + values);
                }
                length = l;
            }
        }
        return length;
    }

    private static byte[] readUpTo(InputStream in, int length, boolean lenient, String what) throws IOException {
        byte[] body = new byte[length];
        int off = 0;
        while (off < length) {
            int n = in.read(body, off, length - off);
            if (n < 0) {
                if (lenient) {
                    byte[] partial = new byte[off];
                    System.arraycopy(body, 0, partial, 0, off);
                    return partial;
                }
                throw new ResponseException(Problem.TRUNCATED, "the connection closed after " + off + " bytes of "
                        + what);
            }
            off += n;
        }
        return body;
    }

    private static byte[] chunked(InputStream in, int max, boolean lenient, boolean[] cut) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int[] budget = { MAX_CHUNK_LINE };
            String line;
            try {
                line = readLine(in, budget, "chunk size");
            } catch (ResponseException e) {
                if (e.problem == Problem.TRUNCATED) {
                    if (lenient) {
                        return body.toByteArray();
                    }
                    throw new ResponseException(Problem.TRUNCATED, "the connection closed after " + body.size()
                            + " bytes of a chunked answer, in the middle of a chunk size");
                }
                throw new ResponseException(Problem.MALFORMED, "a chunk size line is longer than " + MAX_CHUNK_LINE
                        + " bytes");
            }
            if (line == null) {
                if (lenient) {
                    return body.toByteArray();
                }
                throw new ResponseException(Problem.TRUNCATED, "the connection closed after " + body.size()
                        + " bytes of a chunked answer, before its last chunk");
            }
            int semicolon = line.indexOf(';');
            String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
            if (hex.isEmpty() || hex.length() > 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new ResponseException(Problem.MALFORMED, "invalid chunk size '" + printable(line) + "'");
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                // trailer section: header lines up to an empty line
                int[] trailerBudget = { MAX_HEAD_BYTES };
                while (true) {
                    String trailer = readLine(in, trailerBudget, "trailer");
                    if (trailer == null || trailer.isEmpty()) {
                        return body.toByteArray(); // a missing final CRLF loses nothing of the body
                    }
                }
            }
            if (body.size() + size > max) {
                if (!lenient) {
                    throw new ResponseException(Problem.TOO_LARGE, "the chunked answer is larger than the limit of "
                            + max + " bytes");
                }
                byte[] part = readUpTo(in, max - body.size(), true, "a chunk");
                body.write(part, 0, part.length);
                cut[0] = true;
                return body.toByteArray();
            }
            byte[] chunk = readUpTo(in, (int) size, lenient, "a chunk of " + size + " bytes");
            body.write(chunk, 0, chunk.length);
            if (chunk.length < size) {
                return body.toByteArray(); // lenient and truncated
            }
            int cr = in.read();
            int lf = cr == '\r' ? in.read() : cr;
            if (cr < 0 || lf < 0) {
                if (lenient) {
                    return body.toByteArray();
                }
                throw new ResponseException(Problem.TRUNCATED, "the connection closed after a chunk, before the next "
                        + "chunk size");
            }
            if (lf != '\n') {
                throw new ResponseException(Problem.MALFORMED, "a chunk is longer than its announced size " + size);
            }
        }
    }

    /**
     * @return the line without CRLF (a bare LF is accepted), or {@code null} at the end of the stream before any
     *         byte of the line
     */
    private static String readLine(InputStream in, int[] budget, String what) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0) {
            any = true;
            if (--budget[0] < 0) {
                throw new ResponseException(Problem.MALFORMED, "the " + what + " is too long (the response head may "
                        + "have at most " + MAX_HEAD_BYTES + " bytes, a chunk size line " + MAX_CHUNK_LINE + ")");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
        if (!any) {
            return null;
        }
        throw new ResponseException(Problem.TRUNCATED, "the connection closed in the middle of the " + what);
    }

    private static List<String> tokens(List<String> values) {
        List<String> tokens = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                for (String t : v.split(",")) {
                    String token = t.trim().toLowerCase(Locale.ROOT);
                    if (!token.isEmpty()) {
                        tokens.add(token);
                    }
                }
            }
        }
        return tokens;
    }

    /** @return the text with control characters replaced and at most 200 characters, safe to log */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        if (s.length() > 200) {
            sb.append("...");
        }
        return sb.toString();
    }
}
