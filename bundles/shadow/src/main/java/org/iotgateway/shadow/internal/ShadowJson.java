package org.iotgateway.shadow.internal;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.shadow.ShadowChange;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowService;
import org.iotgateway.api.shadow.ShadowUpdate;

/**
 * The JSON side of the shadow protocol: request payloads (with the local size and depth checks),
 * reading replies into the API's plain Java values, and the delta rule. Jackson stays in here.
 */
final class ShadowJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Reads received payloads with decimals kept exactly: a number beyond the range of a double (1e999) stays a
     * number instead of becoming Infinity, which has no JSON form and no decimal value.
     */
    private static final ObjectReader REPLY_READER = MAPPER.reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private ShadowJson() {
    }

    /** A payload that is not a JSON object. */
    static final class MalformedJsonException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedJsonException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ requests

    /** @return {@code {"clientToken":"..."}}, the body of get and delete (tokens need no escaping) */
    static byte[] tokenOnly(String token) {
        return ("{\"clientToken\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Builds the update request and checks AWS IoT's limits before anything is sent.
     *
     * @param update the update
     * @param token  the client token
     * @param key    the shadow (for messages)
     * @return the payload
     * @throws PayloadTooLargeException if desired plus reported exceed {@value ShadowService#MAX_STATE_BYTES} bytes
     * @throws InvalidRequestException  if a section nests deeper than {@value ShadowService#MAX_DEPTH} levels
     */
    static byte[] updatePayload(ShadowUpdate update, String token, ShadowKey key) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode state = root.putObject("state");
        int stateBytes = 0;
        if (update.hasDesired()) {
            stateBytes += section(state, "desired", update.clearsDesired(), update.desired(), key);
        }
        if (update.hasReported()) {
            stateBytes += section(state, "reported", update.clearsReported(), update.reported(), key);
        }
        if (stateBytes > ShadowService.MAX_STATE_BYTES) {
            throw new PayloadTooLargeException("desired plus reported state of the update of " + key.describe(),
                    stateBytes, ShadowService.MAX_STATE_BYTES);
        }
        root.put("clientToken", token);
        if (update.expectedVersion().isPresent()) {
            root.put("version", update.expectedVersion().getAsLong());
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the update of " + key.describe() + " cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    private static int section(ObjectNode state, String name, boolean clear, Map<String, Object> values, ShadowKey key) {
        if (clear) {
            state.putNull(name);
            return 0;
        }
        JsonNode node = MAPPER.valueToTree(values);
        StringBuilder deepest = new StringBuilder(name);
        int depth = depth(node, new StringBuilder(name), deepest);
        if (depth > ShadowService.MAX_DEPTH) {
            throw new InvalidRequestException("the " + name + " state of the update of " + key.describe() + " is nested "
                    + depth + " levels deep (at " + deepest + "); AWS IoT allows at most " + ShadowService.MAX_DEPTH);
        }
        state.set(name, node);
        try {
            return MAPPER.writeValueAsBytes(node).length;
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the " + name + " state of the update of " + key.describe()
                    + " cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * Nesting depth as AWS IoT counts it: a scalar 0, an object or array 1 + its deepest child.
     *
     * @param node    the node
     * @param path    its path
     * @param deepest receives the path of the deepest container
     * @return the depth
     */
    static int depth(JsonNode node, StringBuilder path, StringBuilder deepest) {
        if (node == null || !node.isContainerNode()) {
            return 0;
        }
        int max = 0;
        String deepestChild = null;
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                StringBuilder childPath = new StringBuilder(path).append('.').append(e.getKey());
                StringBuilder childDeepest = new StringBuilder();
                int d = depth(e.getValue(), childPath, childDeepest);
                if (d > max) {
                    max = d;
                    deepestChild = childDeepest.length() > 0 ? childDeepest.toString() : childPath.toString();
                }
            }
        } else {
            int i = 0;
            for (JsonNode child : node) {
                StringBuilder childPath = new StringBuilder(path).append('[').append(i++).append(']');
                StringBuilder childDeepest = new StringBuilder();
                int d = depth(child, childPath, childDeepest);
                if (d > max) {
                    max = d;
                    deepestChild = childDeepest.length() > 0 ? childDeepest.toString() : childPath.toString();
                }
            }
        }
        deepest.setLength(0);
        deepest.append(deepestChild == null ? path : deepestChild);
        return 1 + max;
    }

    // ------------------------------------------------------------------ replies

    /**
     * @param payload a received payload
     * @return the JSON object
     * @throws MalformedJsonException if it is not a JSON object
     */
    static ObjectNode parseObject(byte[] payload) throws MalformedJsonException {
        JsonNode node;
        try {
            node = REPLY_READER.readTree(payload);
        } catch (IOException e) {
            String m = e instanceof JsonProcessingException ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage();
            throw new MalformedJsonException("not valid JSON: " + m);
        }
        if (node == null || !node.isObject()) {
            throw new MalformedJsonException("not a JSON object");
        }
        return (ObjectNode) node;
    }

    static String token(JsonNode reply) {
        JsonNode t = reply.get("clientToken");
        return t != null && t.isTextual() ? t.asText() : null;
    }

    /** @return the version, or -1 if absent or not a number */
    static long version(JsonNode node) {
        JsonNode v = node == null ? null : node.get("version");
        return v != null && v.isIntegralNumber() ? v.asLong() : -1;
    }

    /** @return the timestamp, or null if absent, not a number, or beyond the range of {@link Instant} */
    static Instant timestamp(JsonNode node) {
        JsonNode t = node.get("timestamp");
        if (t == null || !t.isNumber() || !t.canConvertToLong()) {
            return null;
        }
        long seconds = t.asLong();
        return seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond() ? null
                : Instant.ofEpochSecond(seconds);
    }

    static int errorCode(JsonNode error) {
        JsonNode c = error.get("code");
        if (c != null && c.isIntegralNumber()) {
            return c.asInt();
        }
        if (c != null && c.isTextual()) {
            try {
                return Integer.parseInt(c.asText().trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    static String errorMessage(JsonNode error) {
        JsonNode m = error.get("message");
        return m == null || m.isNull() ? "(no message)" : m.asText();
    }

    /** get/accepted (state has desired, reported, delta) or update/accepted (state as written). */
    static ShadowDocument document(ShadowKey key, ObjectNode reply, String json) {
        JsonNode state = reply.get("state");
        return ShadowDocument.builder(key.thing, key.shadow)
                .desired(object(state, "desired"))
                .reported(object(state, "reported"))
                .delta(object(state, "delta"))
                .metadata(object(reply, "metadata"))
                .version(Math.max(0, version(reply)))
                .timestamp(timestamp(reply))
                .clientToken(token(reply))
                .json(json)
                .build();
    }

    /** One side of update/documents: {state:{desired,reported}, metadata, version}; the delta is computed. */
    static ShadowDocument documentPart(ShadowKey key, JsonNode part, Instant timestamp, String token) {
        JsonNode state = part.get("state");
        JsonNode desired = state == null ? null : state.get("desired");
        JsonNode reported = state == null ? null : state.get("reported");
        Map<String, Object> delta = desired != null && desired.isObject() ? toMap(delta((ObjectNode) desired, reported))
                : Map.of();
        String json;
        try {
            json = MAPPER.writeValueAsString(part);
        } catch (JsonProcessingException e) {
            json = "";
        }
        return ShadowDocument.builder(key.thing, key.shadow)
                .desired(object(state, "desired"))
                .reported(object(state, "reported"))
                .delta(delta)
                .metadata(object(part, "metadata"))
                .version(Math.max(0, version(part)))
                .timestamp(timestamp)
                .clientToken(token)
                .json(json)
                .build();
    }

    static ShadowChange change(ShadowKey key, ObjectNode message, String json) throws MalformedJsonException {
        JsonNode current = message.get("current");
        if (current == null || !current.isObject()) {
            throw new MalformedJsonException("update/documents without a 'current' object");
        }
        Instant ts = timestamp(message);
        String token = token(message);
        JsonNode previous = message.get("previous");
        ShadowDocument prev = previous != null && previous.isObject() ? documentPart(key, previous, null, null) : null;
        return new ShadowChange(prev, documentPart(key, current, ts, token), ts, token, json);
    }

    static ShadowDelta delta(ShadowKey key, ObjectNode message, String json) throws MalformedJsonException {
        JsonNode state = message.get("state");
        if (state == null || !state.isObject()) {
            throw new MalformedJsonException("update/delta without a 'state' object");
        }
        if (version(message) < 0) {
            throw new MalformedJsonException("update/delta without a version");
        }
        return new ShadowDelta(key.thing, key.shadow, toMap(state), object(message, "metadata"), version(message),
                timestamp(message), token(message), json);
    }

    /** The delta a get/accepted reply carries, as a delta event (metadata: the desired metadata of its keys). */
    static ShadowDelta deltaOfGet(ShadowKey key, ObjectNode reply) {
        JsonNode state = reply.get("state");
        JsonNode delta = state == null ? null : state.get("delta");
        JsonNode meta = reply.path("metadata").get("desired");
        ObjectNode deltaMeta = delta != null && delta.isObject() ? deltaMetadata((ObjectNode) delta, meta) : null;
        ObjectNode msg = MAPPER.createObjectNode();
        msg.set("state", delta == null ? MAPPER.createObjectNode() : delta);
        if (deltaMeta != null) {
            msg.set("metadata", deltaMeta);
        }
        msg.put("version", version(reply));
        JsonNode ts = reply.get("timestamp");
        if (ts != null) {
            msg.set("timestamp", ts);
        }
        String json;
        try {
            json = MAPPER.writeValueAsString(msg);
        } catch (JsonProcessingException e) {
            json = "";
        }
        return new ShadowDelta(key.thing, key.shadow, object(msg, "state"), deltaMeta == null ? null : toMap(deltaMeta),
                version(reply), timestamp(reply), null, json);
    }

    private static ObjectNode deltaMetadata(ObjectNode delta, JsonNode meta) {
        ObjectNode out = MAPPER.createObjectNode();
        if (meta == null || !meta.isObject()) {
            return out;
        }
        delta.fields().forEachRemaining(e -> {
            JsonNode m = meta.get(e.getKey());
            if (m == null) {
                return;
            }
            if (e.getValue().isObject() && m.isObject() && !m.has("timestamp")) {
                out.set(e.getKey(), deltaMetadata((ObjectNode) e.getValue(), m));
            } else {
                out.set(e.getKey(), m);
            }
        });
        return out;
    }

    // ------------------------------------------------------------------ the delta rule

    /**
     * Keys of desired whose values differ from reported, recursively (path kept from the root); keys only
     * in reported are not in the delta; arrays are compared whole; numbers by value (1 equals 1.0).
     */
    static ObjectNode delta(ObjectNode desired, JsonNode reported) {
        ObjectNode out = MAPPER.createObjectNode();
        desired.fields().forEachRemaining(e -> {
            JsonNode d = e.getValue();
            JsonNode r = reported != null && reported.isObject() ? reported.get(e.getKey()) : null;
            if (d.isObject() && r != null && r.isObject()) {
                ObjectNode sub = delta((ObjectNode) d, r);
                if (sub.size() > 0) {
                    out.set(e.getKey(), sub);
                }
            } else if (r == null || !sameValue(d, r)) {
                out.set(e.getKey(), d);
            }
        });
        return out;
    }

    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !sameValue(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!sameValue(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Same as {@link #sameValue} on the API's Java values (numbers by value). */
    static boolean sameJava(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            return decimal((Number) a).compareTo(decimal((Number) b)) == 0;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a;
            Map<?, ?> y = (Map<?, ?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !sameJava(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameJava(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }

    private static BigDecimal decimal(Number n) {
        return n instanceof BigDecimal ? (BigDecimal) n : new BigDecimal(n.toString());
    }

    /** Merges a delta message's state into an accumulated delta (objects recursively, other values replaced). */
    static Map<String, Object> mergeDelta(Map<String, Object> base, Map<String, Object> patch) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Object old = out.get(e.getKey());
            if (old instanceof Map && e.getValue() instanceof Map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> merged = mergeDelta((Map<String, Object>) old, (Map<String, Object>) e.getValue());
                out.put(e.getKey(), merged);
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ JSON to plain Java

    private static Map<String, Object> object(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isObject() ? toMap(n) : null;
    }

    static Map<String, Object> toMap(JsonNode object) {
        Map<String, Object> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), toJava(e.getValue())));
        return map;
    }

    static Object toJava(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT:
                return toMap(n);
            case ARRAY:
                List<Object> list = new ArrayList<>(n.size());
                n.forEach(c -> list.add(toJava(c)));
                return list;
            case STRING:
                return n.asText();
            case BOOLEAN:
                return n.asBoolean();
            case NUMBER:
                if (n.isIntegralNumber()) {
                    if (n.canConvertToInt()) {
                        return n.intValue();
                    }
                    if (n.canConvertToLong()) {
                        return n.longValue();
                    }
                    return n.bigIntegerValue();
                }
                // a Double when it holds the value; the exact decimal beyond the range or precision of a double
                double d = n.doubleValue();
                BigDecimal exact = n.decimalValue();
                return Double.isFinite(d) && BigDecimal.valueOf(d).compareTo(exact) == 0 ? (Object) d : exact;
            default:
                return null;
        }
    }
}
