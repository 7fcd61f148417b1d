package org.iotgateway.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The small part of DER (ITU-T X.690) needed to look inside keys and to wrap PKCS#1 and SEC1 keys into PKCS#8:
 * single-byte tags, definite lengths up to 2^31, and a few encoders. Decoding never trusts a length: every element
 * must fit into its parent.
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** Context-specific constructed [0]. */
    static final int CONTEXT_0 = 0xA0;
    /** Context-specific constructed [1]. */
    static final int CONTEXT_1 = 0xA1;

    private Der() {
    }

    /** Malformed DER. The message describes the structure problem, never content bytes. */
    static final class DerException extends Exception {
        private static final long serialVersionUID = 1L;

        DerException(String message) {
            super(message);
        }
    }

    /** One decoded element: tag and the position of its content in the shared buffer. */
    static final class Element {
        final int tag;
        private final byte[] buffer;
        private final int start;
        private final int contentStart;
        private final int end;

        private Element(int tag, byte[] buffer, int start, int contentStart, int end) {
            this.tag = tag;
            this.buffer = buffer;
            this.start = start;
            this.contentStart = contentStart;
            this.end = end;
        }

        /** @return a copy of the content octets */
        byte[] content() {
            return Arrays.copyOfRange(buffer, contentStart, end);
        }

        /** @return a copy of the whole element, tag and length included */
        byte[] encoded() {
            return Arrays.copyOfRange(buffer, start, end);
        }

        /** @return a reader over the content, for constructed elements */
        Reader children() {
            return new Reader(buffer, contentStart, end);
        }

        /** @return the content of an INTEGER as a small non-negative int */
        int smallInteger() throws DerException {
            expect(INTEGER, "INTEGER");
            int length = end - contentStart;
            if (length < 1 || length > 4) {
                throw new DerException("INTEGER out of range");
            }
            int value = 0;
            for (int i = contentStart; i < end; i++) {
                value = (value << 8) | (buffer[i] & 0xFF);
            }
            return value;
        }

        /** @return the dotted form of an OBJECT IDENTIFIER */
        String oid() throws DerException {
            expect(OID, "OBJECT IDENTIFIER");
            return oidToString(buffer, contentStart, end);
        }

        void expect(int expectedTag, String name) throws DerException {
            if (tag != expectedTag) {
                throw new DerException("expected " + name + " but found tag 0x" + Integer.toHexString(tag));
            }
        }
    }

    /** Sequential reader of the elements in a range of a buffer. */
    static final class Reader {
        private final byte[] buffer;
        private int position;
        private final int end;

        Reader(byte[] buffer, int start, int end) {
            this.buffer = buffer;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        Element next() throws DerException {
            if (position >= end) {
                throw new DerException("structure ends early");
            }
            int start = position;
            int tag = buffer[position++] & 0xFF;
            if ((tag & 0x1F) == 0x1F) {
                throw new DerException("multi-byte tags are not supported");
            }
            if (position >= end) {
                throw new DerException("truncated (no length)");
            }
            int first = buffer[position++] & 0xFF;
            long length;
            if (first < 0x80) {
                length = first;
            } else if (first == 0x80) {
                throw new DerException("indefinite length (BER) is not DER");
            } else {
                int count = first & 0x7F;
                if (count > 4) {
                    throw new DerException("length too large");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    if (position >= end) {
                        throw new DerException("truncated (length)");
                    }
                    length = (length << 8) | (buffer[position++] & 0xFF);
                }
            }
            if (length > end - position) {
                throw new DerException("truncated (element of " + length + " bytes, only " + (end - position)
                        + " left)");
            }
            int contentStart = position;
            position += (int) length;
            return new Element(tag, buffer, start, contentStart, position);
        }

        /** Reads the next element if it has the given tag, else returns null and stays in place. */
        Element optional(int tag) throws DerException {
            if (position < end && (buffer[position] & 0xFF) == tag) {
                return next();
            }
            return null;
        }
    }

    /**
     * Decodes exactly one element spanning all of {@code der}.
     *
     * @throws DerException if malformed or followed by extra bytes
     */
    static Element parse(byte[] der) throws DerException {
        Reader reader = new Reader(der, 0, der.length);
        Element element = reader.next();
        if (reader.hasMore()) {
            throw new DerException((der.length - element.end) + " unexpected bytes after the data");
        }
        return element;
    }

    // --- encoding ------------------------------------------------------------------------------------------------

    static byte[] encode(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else if (length <= 0xFF) {
            out.write(0x81);
            out.write(length);
        } else if (length <= 0xFFFF) {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length);
        } else if (length <= 0xFFFFFF) {
            out.write(0x83);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        } else {
            out.write(0x84);
            out.write(length >> 24);
            out.write(length >> 16);
            out.write(length >> 8);
            out.write(length);
        }
        out.write(content, 0, content.length);
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... elements) {
        return encode(SEQUENCE, concat(elements));
    }

    /** @param value 0..127 */
    static byte[] smallInteger(int value) {
        return new byte[] {INTEGER, 1, (byte) value};
    }

    static byte[] nullValue() {
        return new byte[] {NULL, 0};
    }

    static byte[] octetString(byte[] content) {
        return encode(OCTET_STRING, content);
    }

    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // the first two arcs share one base-128 number: 40 * first + second
        writeBase128(out, Long.parseLong(parts[0]) * 40 + Long.parseLong(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            writeBase128(out, Long.parseLong(parts[i]));
        }
        return encode(OID, out.toByteArray());
    }

    private static void writeBase128(ByteArrayOutputStream out, long arc) {
        int groups = 1;
        for (long rest = arc >> 7; rest != 0; rest >>= 7) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int sevenBits = (int) ((arc >> (7 * g)) & 0x7F);
            out.write(g == 0 ? sevenBits : sevenBits | 0x80);
        }
    }

    static String oidToString(byte[] buffer, int start, int end) throws DerException {
        if (start >= end) {
            throw new DerException("empty OBJECT IDENTIFIER");
        }
        StringBuilder s = new StringBuilder();
        long arc = 0;
        boolean firstArc = true;
        for (int i = start; i < end; i++) {
            int b = buffer[i] & 0xFF;
            arc = (arc << 7) | (b & 0x7F);
            if (arc > Integer.MAX_VALUE) {
                throw new DerException("OBJECT IDENTIFIER arc too large");
            }
            if ((b & 0x80) == 0) {
                if (firstArc) {
                    int top = arc < 80 ? (int) (arc / 40) : 2;
                    s.append(top).append('.').append(arc - 40L * top);
                    firstArc = false;
                } else {
                    s.append('.').append(arc);
                }
                arc = 0;
            } else if (i == end - 1) {
                throw new DerException("truncated OBJECT IDENTIFIER");
            }
        }
        return s.toString();
    }

    private static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
