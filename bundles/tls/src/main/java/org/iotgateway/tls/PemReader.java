package org.iotgateway.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.iotgateway.tls.TlsMaterialException.Reason;

/**
 * Splits PEM text (RFC 7468, with RFC 1421 headers) into labelled blocks of decoded bytes.
 *
 * <p>Lenient where real files vary: text outside blocks is ignored (openssl's "Bag Attributes", comments), line
 * endings may be LF, CRLF or CR, lines may carry surrounding white space, a UTF-8 byte order mark is skipped.
 * Strict where a lenient reader would hide a broken file: a BEGIN line needs its matching END line, the body must be
 * valid base64 and must not be empty.
 */
final class PemReader {

    /** Larger files are certainly not key or certificate files (a full CA bundle is about 250 KB). */
    static final long MAX_FILE_SIZE = 4L * 1024 * 1024;

    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([^-]*)-----");
    private static final Pattern END = Pattern.compile("-----END ([^-]*)-----");
    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
    private static final Pattern HEADER = Pattern.compile("([A-Za-z0-9-]+):(.*)");

    private PemReader() {
    }

    /** One PEM block. */
    static final class Block {
        final String label;
        /** 1-based line number of the BEGIN line. */
        final int line;
        final Map<String, String> headers;
        final byte[] content;

        Block(String label, int line, Map<String, String> headers, byte[] content) {
            this.label = label;
            this.line = line;
            this.headers = headers;
            this.content = content;
        }

        /** @return for example "CERTIFICATE block at line 3" */
        String describe() {
            return label + " block at line " + line;
        }
    }

    /**
     * Reads a file as text, with checks that produce precise errors.
     *
     * @throws TlsMaterialException MISSING_FILE, NOT_A_FILE, UNREADABLE or EMPTY
     */
    static String readFile(Origin origin) {
        Path file = origin.file();
        if (!Files.exists(file)) {
            Path parent = file.toAbsolutePath().getParent();
            String detail = parent != null && !Files.isDirectory(parent)
                    ? "file does not exist (directory " + parent + " does not exist either)"
                    : "file does not exist";
            throw origin.fail(Reason.MISSING_FILE, detail);
        }
        if (Files.isDirectory(file)) {
            throw origin.fail(Reason.NOT_A_FILE, "is a directory, not a file");
        }
        if (!Files.isRegularFile(file)) {
            throw origin.fail(Reason.NOT_A_FILE, "is not a regular file");
        }
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                throw origin.fail(Reason.UNREADABLE,
                        "file is too large (" + size + " bytes) to be a PEM certificate or key file");
            }
            bytes = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw origin.fail(Reason.UNREADABLE, "cannot be read: permission denied for user "
                    + System.getProperty("user.name"), e);
        } catch (NoSuchFileException e) {
            throw origin.fail(Reason.MISSING_FILE, "file does not exist", e);
        } catch (IOException e) {
            throw origin.fail(Reason.UNREADABLE, "cannot be read: " + e, e);
        }
        // ISO-8859-1 maps every byte to one char: binary content survives for the checks below
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (text.isBlank()) {
            throw origin.fail(Reason.EMPTY, bytes.length == 0 ? "file is empty" : "file contains only white space");
        }
        return text;
    }

    /**
     * Parses all PEM blocks.
     *
     * @return the blocks in file order, possibly empty (no BEGIN line at all)
     * @throws TlsMaterialException TRUNCATED, BAD_BASE64 or CORRUPT for broken blocks
     */
    static List<Block> parse(String text, Origin origin) {
        if (text.startsWith("\u00EF\u00BB\u00BF")) { // UTF-8 BOM read as ISO-8859-1
            text = text.substring(3);
        } else if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = LINE_BREAK.split(text, -1);
        List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = lines[i].trim();
            Matcher begin = BEGIN.matcher(line);
            if (begin.matches()) {
                i = readBlock(lines, i, begin.group(1).trim(), origin, blocks);
                continue;
            }
            Matcher end = END.matcher(line);
            if (end.matches()) {
                throw origin.fail(Reason.TRUNCATED, "END " + end.group(1).trim() + " at line " + (i + 1)
                        + " has no BEGIN line before it (is the start of the file missing?)");
            }
            i++;
        }
        return blocks;
    }

    /** Reads the block whose BEGIN line is {@code lines[beginIndex]}; returns the index after its END line. */
    private static int readBlock(String[] lines, int beginIndex, String label, Origin origin, List<Block> out) {
        int lineNumber = beginIndex + 1;
        String name = label + " block at line " + lineNumber;
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder base64 = new StringBuilder();
        boolean inHeaders = true;
        for (int i = beginIndex + 1; i < lines.length; i++) {
            String line = lines[i].trim();
            Matcher end = END.matcher(line);
            if (end.matches()) {
                String endLabel = end.group(1).trim();
                if (!endLabel.equals(label)) {
                    throw origin.fail(Reason.CORRUPT,
                            "BEGIN " + label + " at line " + lineNumber + " ends with END " + endLabel + " at line "
                                    + (i + 1));
                }
                out.add(new Block(label, lineNumber, Collections.unmodifiableMap(headers),
                        decode(base64, name, origin)));
                return i + 1;
            }
            if (BEGIN.matcher(line).matches()) {
                throw origin.fail(Reason.TRUNCATED, "BEGIN " + label + " at line " + lineNumber
                        + " has no END line before the next BEGIN at line " + (i + 1) + " (truncated block?)");
            }
            if (line.isEmpty()) {
                continue;
            }
            Matcher header = HEADER.matcher(line);
            if (inHeaders && header.matches()) {
                headers.put(header.group(1), header.group(2).trim());
                continue;
            }
            inHeaders = false;
            base64.append(line);
        }
        throw origin.fail(Reason.TRUNCATED, "BEGIN " + label + " at line " + lineNumber
                + " has no END " + label + " line (file truncated?)");
    }

    private static byte[] decode(StringBuilder base64, String name, Origin origin) {
        String compact = base64.toString().replaceAll("\\s+", "");
        if (compact.isEmpty()) {
            throw origin.fail(Reason.CORRUPT, name + " has no content");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            // the decoder's message may quote a character of the body; keep it out of the message
            throw origin.fail(Reason.BAD_BASE64, name + " is not valid base64 (damaged or edited file?)");
        }
        if (bytes.length == 0) {
            throw origin.fail(Reason.CORRUPT, name + " has no content");
        }
        return bytes;
    }

    /** @return a hint for text that has no PEM block at all */
    static String noPemHint(String text, String expectedLabel) {
        boolean binary = !text.isEmpty() && (text.charAt(0) == 0x30 || text.indexOf('\0') >= 0);
        if (binary) {
            return "no PEM data found: the file is binary (DER?), expected text starting with -----BEGIN "
                    + expectedLabel + "----- (convert with openssl, for example: openssl x509 -inform der -in "
                    + "file.der -out file.pem)";
        }
        return "no PEM data found: expected a -----BEGIN " + expectedLabel + "----- line";
    }

    /** @return the distinct labels, for messages like "the file contains: RSA PRIVATE KEY" */
    static String labels(List<Block> blocks) {
        List<String> labels = new ArrayList<>();
        for (Block b : blocks) {
            if (!labels.contains(b.label)) {
                labels.add(b.label);
            }
        }
        return String.join(", ", labels);
    }
}
