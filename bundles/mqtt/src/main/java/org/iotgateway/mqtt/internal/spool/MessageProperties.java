package org.iotgateway.mqtt.internal.spool;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.UserProperty;

/**
 * The MQTT 5 properties of a queued publish, as the spool keeps them: the message expiry as an
 * absolute deadline (wall clock, so it survives a restart), user properties in order, content type,
 * payload format indicator, response topic and correlation data. Immutable.
 * <p>
 * Encoded form (the tail of a {@link RecordFormat} record with the properties flag): a sequence of
 * tagged fields, each a tag byte then its data; strings and binary data as a u16 length and bytes.
 */
public final class MessageProperties {

    /** The largest encoded form a spool accepts. */
    public static final int MAX_ENCODED_BYTES = 256 * 1024;

    private static final int TAG_EXPIRES_AT = 1;
    private static final int TAG_USER_PROPERTY = 2;
    private static final int TAG_CONTENT_TYPE = 3;
    private static final int TAG_UTF8 = 4;
    private static final int TAG_RESPONSE_TOPIC = 5;
    private static final int TAG_CORRELATION_DATA = 6;

    private final long expiresAtMillis;
    private final List<UserProperty> userProperties;
    private final String contentType;
    private final boolean payloadFormatUtf8;
    private final String responseTopic;
    private final byte[] correlationData;

    /**
     * @param expiresAtMillis  when the message expires (epoch milliseconds), or -1 for never
     * @param userProperties   the user properties in order
     * @param contentType      the content type or {@code null}
     * @param payloadFormatUtf8 the payload format indicator
     * @param responseTopic    the response topic or {@code null}
     * @param correlationData  the correlation data (not copied) or {@code null}
     */
    public MessageProperties(long expiresAtMillis, List<UserProperty> userProperties, String contentType,
            boolean payloadFormatUtf8, String responseTopic, byte[] correlationData) {
        this.expiresAtMillis = expiresAtMillis;
        this.userProperties = Collections.unmodifiableList(new ArrayList<>(userProperties));
        this.contentType = contentType;
        this.payloadFormatUtf8 = payloadFormatUtf8;
        this.responseTopic = responseTopic;
        this.correlationData = correlationData;
    }

    /**
     * @param message    a message
     * @param nowMillis  the current wall clock time, for the expiry deadline
     * @return its properties, or {@code null} if it has none
     */
    public static MessageProperties of(IoTMessage message, long nowMillis) {
        if (message.mqtt5Property().isEmpty()) {
            return null;
        }
        long expiresAt = message.messageExpirySeconds().map(s -> nowMillis + s * 1000).orElse(-1L);
        return new MessageProperties(expiresAt, message.userProperties(), message.contentType().orElse(null),
                message.payloadFormatUtf8(), message.responseTopic().orElse(null),
                message.correlationData().orElse(null));
    }

    /** @return the expiry deadline in epoch milliseconds, -1 for none */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    /** @return the user properties in order */
    public List<UserProperty> userProperties() {
        return userProperties;
    }

    /** @return the content type or {@code null} */
    public String contentType() {
        return contentType;
    }

    /** @return the payload format indicator */
    public boolean payloadFormatUtf8() {
        return payloadFormatUtf8;
    }

    /** @return the response topic or {@code null} */
    public String responseTopic() {
        return responseTopic;
    }

    /** @return the correlation data (shared, never modify) or {@code null} */
    public byte[] correlationData() {
        return correlationData;
    }

    /** @return the encoded form */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        if (expiresAtMillis >= 0) {
            out.write(TAG_EXPIRES_AT);
            for (int i = 56; i >= 0; i -= 8) {
                out.write((int) (expiresAtMillis >>> i));
            }
        }
        for (UserProperty p : userProperties) {
            out.write(TAG_USER_PROPERTY);
            writeBytes(out, p.name().getBytes(StandardCharsets.UTF_8));
            writeBytes(out, p.value().getBytes(StandardCharsets.UTF_8));
        }
        if (contentType != null) {
            out.write(TAG_CONTENT_TYPE);
            writeBytes(out, contentType.getBytes(StandardCharsets.UTF_8));
        }
        if (payloadFormatUtf8) {
            out.write(TAG_UTF8);
        }
        if (responseTopic != null) {
            out.write(TAG_RESPONSE_TOPIC);
            writeBytes(out, responseTopic.getBytes(StandardCharsets.UTF_8));
        }
        if (correlationData != null) {
            out.write(TAG_CORRELATION_DATA);
            writeBytes(out, correlationData);
        }
        return out.toByteArray();
    }

    private static void writeBytes(ByteArrayOutputStream out, byte[] b) {
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("a property of " + b.length + " bytes is over 65,535 bytes");
        }
        out.write(b.length >>> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    /**
     * @return the properties encoded in {@code in[off, off + len)}, or {@code null} if they are malformed
     */
    static MessageProperties decode(byte[] in, int off, int len) {
        int p = off;
        int end = off + len;
        long expiresAt = -1;
        List<UserProperty> user = new ArrayList<>();
        String contentType = null;
        boolean utf8 = false;
        String responseTopic = null;
        byte[] correlation = null;
        try {
            while (p < end) {
                int tag = in[p++];
                switch (tag) {
                    case TAG_EXPIRES_AT:
                        if (end - p < 8) {
                            return null;
                        }
                        expiresAt = RecordFormat.getLong(in, p);
                        p += 8;
                        break;
                    case TAG_USER_PROPERTY: {
                        byte[] name = readBytes(in, p, end);
                        p += 2 + name.length;
                        byte[] value = readBytes(in, p, end);
                        p += 2 + value.length;
                        user.add(UserProperty.of(new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8)));
                        break;
                    }
                    case TAG_CONTENT_TYPE: {
                        byte[] b = readBytes(in, p, end);
                        p += 2 + b.length;
                        contentType = new String(b, StandardCharsets.UTF_8);
                        break;
                    }
                    case TAG_UTF8:
                        utf8 = true;
                        break;
                    case TAG_RESPONSE_TOPIC: {
                        byte[] b = readBytes(in, p, end);
                        p += 2 + b.length;
                        responseTopic = new String(b, StandardCharsets.UTF_8);
                        break;
                    }
                    case TAG_CORRELATION_DATA: {
                        byte[] b = readBytes(in, p, end);
                        p += 2 + b.length;
                        correlation = b;
                        break;
                    }
                    default:
                        return null;
                }
            }
        } catch (RuntimeException e) {
            return null; // a length beyond the end, or a string that is no longer valid
        }
        return new MessageProperties(expiresAt, user, contentType, utf8, responseTopic, correlation);
    }

    private static byte[] readBytes(byte[] in, int p, int end) {
        if (end - p < 2) {
            throw new IllegalArgumentException("truncated");
        }
        int n = RecordFormat.getU16(in, p);
        if (end - p - 2 < n) {
            throw new IllegalArgumentException("truncated");
        }
        return Arrays.copyOfRange(in, p + 2, p + 2 + n);
    }

    @Override
    public String toString() {
        return "MessageProperties[expiresAt=" + expiresAtMillis + ", " + userProperties.size() + " user properties"
                + (contentType == null ? "" : ", contentType") + (payloadFormatUtf8 ? ", utf8" : "")
                + (responseTopic == null ? "" : ", responseTopic") + (correlationData == null ? "" : ", correlationData") + "]";
    }
}
