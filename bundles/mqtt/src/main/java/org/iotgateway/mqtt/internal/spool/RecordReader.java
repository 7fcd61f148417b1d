package org.iotgateway.mqtt.internal.spool;

import static org.iotgateway.mqtt.internal.spool.RecordFormat.FIXED_BODY_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.FLAG_PROPERTIES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.FLAG_RETAIN;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.MAX_BODY_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.MIN_RECORD_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_CRC;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_FLAGS;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_LENGTH;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_QOS;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_TOPIC;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.OFF_TOPIC_LENGTH;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.RECORD_HEADER_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.getInt;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.getLong;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.getU16;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Reads and validates records of one segment file through a read-ahead buffer, with positional
 * reads (no shared file pointer state to keep consistent with the writer).
 * <p>
 * Every read is bounded by a {@code limit}, the end of the bytes known to be valid (the write
 * position for the segment being appended to). The buffer never holds bytes at or beyond the limit
 * given when it was filled, and bytes below a limit never change, so buffered bytes stay valid
 * while the segment grows.
 * <p>
 * A record is accepted only if its length is plausible (at least the fixed part, at most
 * {@link RecordFormat#MAX_BODY_BYTES}, within the limit), its qos/flags/topic/payload lengths are
 * consistent, its CRC32 matches, and its sequence number is in the expected range. No array is
 * allocated from a length before that length has been checked against the limit and the maximum.
 */
final class RecordReader {

    static final int OK = 0;
    static final int END = 1;
    static final int BAD = 2;

    private static final int BUFFER_BYTES = 64 * 1024;

    private final byte[] buffer = new byte[BUFFER_BYTES];
    private final CRC32 crc = new CRC32();
    private SpoolFile file;
    /** File position of {@code buffer[0]}. */
    private long bufferStart;
    private int bufferLength;
    private long limit;

    // the record last read with OK
    private long seq;
    private int qos;
    private boolean retain;
    private int recordBytes;
    private int topicLength;
    private int payloadLength;
    private MessageProperties properties;
    private byte[] body;
    private int bodyOffset;

    /** Switches to another file and forgets the buffer. */
    void attach(SpoolFile newFile) {
        file = newFile;
        bufferStart = 0;
        bufferLength = 0;
    }

    /**
     * Reads and validates the record at {@code position}.
     *
     * @param limit  end of the readable bytes
     * @param minSeq smallest acceptable sequence number
     * @param maxSeq largest acceptable sequence number (inclusive)
     * @return {@link #OK} (the record's fields are then available), {@link #END} if
     *         {@code position == limit}, or {@link #BAD} if there is no valid record at the position
     */
    int read(long position, long limit, long minSeq, long maxSeq) throws IOException {
        this.limit = limit;
        long available = limit - position;
        if (available == 0) {
            return END;
        }
        if (available < MIN_RECORD_BYTES) {
            return BAD;
        }
        int o = fill(position, OFF_TOPIC);
        if (o < 0) {
            return BAD;
        }
        int length = getInt(buffer, o + OFF_LENGTH);
        int storedCrc = getInt(buffer, o + OFF_CRC);
        if (length < FIXED_BODY_BYTES || length > MAX_BODY_BYTES || length > available - RECORD_HEADER_BYTES) {
            return BAD;
        }
        int q = buffer[o + OFF_QOS];
        int flags = buffer[o + OFF_FLAGS];
        int tl = getU16(buffer, o + OFF_TOPIC_LENGTH);
        if ((q & ~1) != 0 || (flags & ~(FLAG_RETAIN | FLAG_PROPERTIES)) != 0 || FIXED_BODY_BYTES + tl > length) {
            return BAD;
        }
        o = fill(position + OFF_TOPIC + tl, 4);
        if (o < 0) {
            return BAD;
        }
        int pl = getInt(buffer, o);
        boolean hasProperties = (flags & FLAG_PROPERTIES) != 0;
        int propertiesLength = length - FIXED_BODY_BYTES - tl - pl;
        if (hasProperties ? pl < 0 || propertiesLength < 0 || propertiesLength > MessageProperties.MAX_ENCODED_BYTES
                : propertiesLength != 0) {
            return BAD;
        }
        int total = RECORD_HEADER_BYTES + length;
        if (total <= BUFFER_BYTES) {
            o = fill(position, total);
            if (o < 0) {
                return BAD;
            }
            body = buffer;
            bodyOffset = o + RECORD_HEADER_BYTES;
        } else {
            byte[] large = new byte[length]; // length <= MAX_BODY_BYTES and <= the bytes in the file
            if (!readFully(position + RECORD_HEADER_BYTES, large)) {
                return BAD;
            }
            body = large;
            bodyOffset = 0;
        }
        crc.reset();
        crc.update(body, bodyOffset, length);
        if ((int) crc.getValue() != storedCrc) {
            return BAD;
        }
        long s = getLong(body, bodyOffset);
        if (s < minSeq || s > maxSeq) {
            return BAD;
        }
        MessageProperties props = null;
        if (hasProperties) {
            props = MessageProperties.decode(body, bodyOffset + FIXED_BODY_BYTES + tl + pl, propertiesLength);
            if (props == null) {
                return BAD;
            }
        }
        properties = props;
        seq = s;
        qos = q;
        retain = (flags & FLAG_RETAIN) != 0;
        topicLength = tl;
        payloadLength = pl;
        recordBytes = total;
        return OK;
    }

    /**
     * Searches forward, byte by byte, for the next valid record (used after a corrupt one, whose
     * length field cannot be trusted).
     *
     * @return the position of the next valid record (its fields are then available), or -1 if there
     *         is none before {@code limit}
     */
    long resync(long from, long limit, long minSeq, long maxSeq) throws IOException {
        for (long p = from; limit - p >= MIN_RECORD_BYTES; p++) {
            if (read(p, limit, minSeq, maxSeq) == OK) {
                return p;
            }
        }
        return -1;
    }

    /** @return the sequence number of the record last read */
    long seq() {
        return seq;
    }

    /** @return the total length of the record last read */
    int recordBytes() {
        return recordBytes;
    }

    /** Decodes the record last read; call before reading again (the body may be in the buffer). */
    SpooledMessage message() {
        int t = bodyOffset + OFF_TOPIC - RECORD_HEADER_BYTES;
        String topic = new String(body, t, topicLength, StandardCharsets.UTF_8);
        int p = t + topicLength + 4;
        byte[] payload = Arrays.copyOfRange(body, p, p + payloadLength);
        return new SpooledMessage(seq, topic, payload, qos, retain, properties);
    }

    /**
     * Makes {@code n} bytes at {@code position} available in the buffer, reading ahead up to the
     * limit (never beyond it).
     *
     * @return the offset of {@code position} in the buffer, or -1 if the file ends before
     */
    private int fill(long position, int n) throws IOException {
        if (position >= bufferStart && position + n <= bufferStart + bufferLength) {
            return (int) (position - bufferStart);
        }
        int want = (int) Math.min(BUFFER_BYTES, limit - position);
        bufferStart = position;
        bufferLength = 0;
        while (bufferLength < want) {
            int read = file.read(position + bufferLength, buffer, bufferLength, want - bufferLength);
            if (read < 0) {
                break;
            }
            bufferLength += read;
        }
        return bufferLength >= n ? 0 : -1;
    }

    private boolean readFully(long position, byte[] into) throws IOException {
        int done = 0;
        while (done < into.length) {
            int read = file.read(position + done, into, done, into.length - done);
            if (read < 0) {
                return false;
            }
            done += read;
        }
        return true;
    }
}
