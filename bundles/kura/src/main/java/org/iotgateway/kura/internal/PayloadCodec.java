package org.iotgateway.kura.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.message.KuraPayload;

/**
 * KuraPayload to MQTT payload and back. AWS IoT rules and shadows work on JSON, so:
 * <ul>
 * <li>a payload with only a body is sent as the body's bytes, unchanged (what Kura's raw MQTT connection does);</li>
 * <li>a payload with metrics (what Wires and assets publish) is sent as one JSON object:
 * {@code {"timestamp":<ms since epoch, if set>,"metrics":{"name":value,...},"body":"<base64, if set>"}};
 * numbers and booleans stay JSON numbers and booleans, byte arrays become base64 strings, everything else its
 * string form.</li>
 * </ul>
 * Received messages become a KuraPayload whose body is the MQTT payload.
 */
final class PayloadCodec {

    /** AWS IoT's message size limit; larger payloads are refused before anything is sent. */
    static final int MAX_PAYLOAD_BYTES = 128 * 1024;

    private PayloadCodec() {
    }

    static byte[] encode(KuraPayload payload) throws KuraException {
        Map<String, Object> metrics = payload.metrics();
        byte[] body = payload.getBody();
        byte[] result;
        if (metrics == null || metrics.isEmpty()) {
            result = body == null ? new byte[0] : body;
        } else {
            StringBuilder json = new StringBuilder("{");
            if (payload.getTimestamp() != null) {
                json.append("\"timestamp\":").append(payload.getTimestamp().getTime()).append(',');
            }
            json.append("\"metrics\":{");
            boolean first = true;
            for (Map.Entry<String, Object> e : new TreeMap<>(metrics).entrySet()) {
                if (!first) {
                    json.append(',');
                }
                first = false;
                string(json, e.getKey());
                json.append(':');
                value(json, e.getValue());
            }
            json.append('}');
            if (body != null) {
                json.append(",\"body\":\"").append(Base64.getEncoder().encodeToString(body)).append('"');
            }
            result = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        }
        if (result.length > MAX_PAYLOAD_BYTES) {
            throw new KuraException(KuraErrorCode.ENCODE_ERROR, "the encoded payload has " + result.length
                    + " bytes; AWS IoT accepts at most " + MAX_PAYLOAD_BYTES);
        }
        return result;
    }

    static KuraPayload decode(byte[] bytes) {
        KuraPayload payload = new KuraPayload();
        payload.setBody(bytes);
        return payload;
    }

    private static void value(StringBuilder json, Object value) {
        if (value == null) {
            json.append("null");
        } else if (value instanceof Boolean) {
            json.append(value);
        } else if (value instanceof Number) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                string(json, String.valueOf(value));
            } else {
                json.append(value);
            }
        } else if (value instanceof byte[]) {
            string(json, Base64.getEncoder().encodeToString((byte[]) value));
        } else {
            string(json, String.valueOf(value));
        }
    }

    private static void string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
            case '"':
                json.append("\\\"");
                break;
            case '\\':
                json.append("\\\\");
                break;
            case '\n':
                json.append("\\n");
                break;
            case '\r':
                json.append("\\r");
                break;
            case '\t':
                json.append("\\t");
                break;
            default:
                if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                    json.append(String.format("\\u%04x", (int) c));
                } else {
                    json.append(c);
                }
            }
        }
        json.append('"');
    }
}
