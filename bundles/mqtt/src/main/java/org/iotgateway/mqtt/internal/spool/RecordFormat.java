package org.iotgateway.mqtt.internal.spool;

import java.util.zip.CRC32;

/**
 * The on-disk format of a {@link DiskSpool}. All integers are big-endian.
 *
 * <pre>
 * segment file "&lt;first sequence, 20 digits&gt;.seg":
 *   int   magic 'IGSP'
 *   int   format version (1)
 *   record*
 *
 * record:
 *   int   body length (bytes after the CRC)
 *   int   CRC32 of the body
 *   body:
 *     long   sequence number
 *     byte   qos (0 or 1)
 *     byte   flags (bit 0: retain; bit 1: MQTT 5 properties follow; other bits 0)
 *     u16    topic length, then the topic in UTF-8
 *     int    payload length, then the payload
 *     [with flag bit 1: the rest of the body is the MQTT 5 properties, see MessageProperties]
 *
 * Records without flag bit 1 are exactly the records of the first release: journals written
 * before MQTT 5 support are read unchanged.
 *
 * head file "spool.head" (20 bytes, rewritten in place):
 *   int   magic 'IGSH'
 *   int   format version (1)
 *   long  sequence number of the oldest entry not removed
 *   int   CRC32 of the 16 bytes before it
 * </pre>
 */
final class RecordFormat {

    static final int SEGMENT_MAGIC = 0x49475350;
    static final int HEAD_MAGIC = 0x49475348;
    static final int VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 8;
    static final int HEAD_FILE_BYTES = 20;

    /** Length and CRC in front of the body. */
    static final int RECORD_HEADER_BYTES = 8;
    /** Body bytes besides topic and payload: sequence, qos, flags, topic length, payload length. */
    static final int FIXED_BODY_BYTES = 8 + 1 + 1 + 2 + 4;
    /** The smallest possible record. */
    static final int MIN_RECORD_BYTES = RECORD_HEADER_BYTES + FIXED_BODY_BYTES;
    static final int FLAG_RETAIN = 1;
    static final int FLAG_PROPERTIES = 2;

    /** The longest topic the format can hold (MQTT's own limit). */
    static final int MAX_TOPIC_BYTES = 0xFFFF;
    /** The largest payload a disk spool accepts (AWS IoT Core's limit is 128 KB). */
    static final int MAX_PAYLOAD_BYTES = 1 << 20;
    /** The largest valid body; a larger length field is corruption, never allocated. */
    static final int MAX_BODY_BYTES = FIXED_BODY_BYTES + MAX_TOPIC_BYTES + MAX_PAYLOAD_BYTES
            + MessageProperties.MAX_ENCODED_BYTES;

    /** Offsets within a record (from its first byte). */
    static final int OFF_LENGTH = 0;
    static final int OFF_CRC = 4;
    static final int OFF_SEQ = 8;
    static final int OFF_QOS = 16;
    static final int OFF_FLAGS = 17;
    static final int OFF_TOPIC_LENGTH = 18;
    static final int OFF_TOPIC = 20;

    private RecordFormat() {
    }

    /** @return the segment file name for a segment whose first sequence number is {@code base} */
    static String segmentName(long base) {
        String digits = Long.toString(base);
        return "0".repeat(20 - digits.length()) + digits + ".seg";
    }

    /**
     * Encodes a record into {@code out} (which must hold {@code RECORD_HEADER_BYTES + bodyLength}).
     *
     * @return the record's total length
     */
    static int encode(byte[] out, CRC32 crc, long seq, byte[] topic, byte[] payload, int qos, boolean retain) {
        return encode(out, crc, seq, topic, payload, qos, retain, null);
    }

    /**
     * Encodes a record with MQTT 5 properties ({@code null}: none, the original format).
     *
     * @return the record's total length
     */
    static int encode(byte[] out, CRC32 crc, long seq, byte[] topic, byte[] payload, int qos, boolean retain,
            byte[] properties) {
        int body = FIXED_BODY_BYTES + topic.length + payload.length + (properties == null ? 0 : properties.length);
        putInt(out, OFF_LENGTH, body);
        putLong(out, OFF_SEQ, seq);
        out[OFF_QOS] = (byte) qos;
        out[OFF_FLAGS] = (byte) ((retain ? FLAG_RETAIN : 0) | (properties == null ? 0 : FLAG_PROPERTIES));
        out[OFF_TOPIC_LENGTH] = (byte) (topic.length >>> 8);
        out[OFF_TOPIC_LENGTH + 1] = (byte) topic.length;
        System.arraycopy(topic, 0, out, OFF_TOPIC, topic.length);
        int p = OFF_TOPIC + topic.length;
        putInt(out, p, payload.length);
        System.arraycopy(payload, 0, out, p + 4, payload.length);
        if (properties != null) {
            System.arraycopy(properties, 0, out, p + 4 + payload.length, properties.length);
        }
        crc.reset();
        crc.update(out, RECORD_HEADER_BYTES, body);
        putInt(out, OFF_CRC, (int) crc.getValue());
        return RECORD_HEADER_BYTES + body;
    }

    /** Encodes the head file's content into {@code out}. */
    static void encodeHead(byte[] out, CRC32 crc, long head) {
        putInt(out, 0, HEAD_MAGIC);
        putInt(out, 4, VERSION);
        putLong(out, 8, head);
        crc.reset();
        crc.update(out, 0, 16);
        putInt(out, 16, (int) crc.getValue());
    }

    /** @return the head sequence in {@code in}, or -1 if the content is not a valid head file */
    static long decodeHead(byte[] in, CRC32 crc) {
        if (getInt(in, 0) != HEAD_MAGIC || getInt(in, 4) != VERSION) {
            return -1;
        }
        crc.reset();
        crc.update(in, 0, 16);
        if ((int) crc.getValue() != getInt(in, 16)) {
            return -1;
        }
        long head = getLong(in, 8);
        return head < 0 ? -1 : head;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    static int getU16(byte[] b, int off) {
        return (b[off] & 0xFF) << 8 | (b[off + 1] & 0xFF);
    }

    static long getLong(byte[] b, int off) {
        return (long) getInt(b, off) << 32 | (getInt(b, off + 4) & 0xFFFFFFFFL);
    }
}
