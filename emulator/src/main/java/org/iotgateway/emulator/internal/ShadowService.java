package org.iotgateway.emulator.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Device Shadow service: classic and named shadows, merge, delta, versions, metadata, errors.
 *
 * <p>Every method that reads or changes a thing's shadows must run on that thing's stripe of the
 * {@link StripedExecutor}; replies are published from there, so replies to one thing stay in order and
 * no global lock is held while publishing.
 */
public final class ShadowService {
    public static final int MAX_STATE_BYTES = 8 * 1024;
    public static final int MAX_DEPTH = 6;
    public static final int MAX_PAYLOAD_BYTES = 128 * 1024;
    public static final int MAX_CLIENT_TOKEN_BYTES = 64;

    /** The operations of the MQTT API. */
    public enum Op {
        GET("get"), UPDATE("update"), DELETE("delete");

        final String topic;

        Op(String topic) {
            this.topic = topic;
        }

        public static Op of(String s) {
            for (Op op : values()) {
                if (op.topic.equals(s)) {
                    return op;
                }
            }
            return null;
        }
    }

    /** The answer to a request: the payload published on /accepted or /rejected. */
    public record Result(boolean accepted, int code, String message, ObjectNode payload, boolean published) {
    }

    private record Key(String thing, String shadow) {
    }

    /** One shadow. Sections and metadata are null when absent; version survives a delete. */
    private static final class Doc {
        ObjectNode desired;
        ObjectNode reported;
        ObjectNode metaDesired;
        ObjectNode metaReported;
        long version;
        boolean exists;
    }

    private static final Comparator<JsonNode> NUMERIC_AWARE = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return 1;
    };

    private final Map<Key, Doc> docs = new ConcurrentHashMap<>();
    /** Runs before the first reply to the request being handled on this thread is published (see handle). */
    private final ThreadLocal<Runnable> beforeFirstReply = new ThreadLocal<>();
    private final Publisher publisher;
    private final Clock clock;

    public ShadowService(Publisher publisher, Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
    }

    public static String topicPrefix(String thing, String shadow) {
        return shadow == null ? "$aws/things/" + thing + "/shadow" : "$aws/things/" + thing + "/shadow/name/" + shadow;
    }

    private long now() {
        return clock.millis() / 1000;
    }

    /**
     * Handles one request as if it arrived on the request topic, publishing the replies.
     *
     * @param shadow      null for the classic shadow
     * @param publishGet  whether a GET answer is published (false for control-API reads)
     */
    public Result handle(String thing, String shadow, Op op, byte[] payload, boolean publishGet) {
        return handle(thing, shadow, op, payload, publishGet, null);
    }

    /**
     * As {@link #handle(String, String, Op, byte[], boolean)}; {@code answered} (may be null) runs once the
     * request is processed, before the first of its replies is published (a client may send its next
     * request as soon as it sees the reply), or at the end when nothing is published.
     */
    public Result handle(String thing, String shadow, Op op, byte[] payload, boolean publishGet, Runnable answered) {
        String prefix = topicPrefix(thing, shadow);
        long ts = now();
        Result r;
        beforeFirstReply.set(answered);
        try {
            try {
                r = process(thing, shadow, op, payload, ts, prefix);
            } catch (RuntimeException e) {
                r = error(500, "Internal service failure", tokenOf(payload), ts);
                org.slf4j.LoggerFactory.getLogger(ShadowService.class).error("Shadow {} {} failed", prefix, op, e);
            }
            if ((op != Op.GET || publishGet) && !r.published()) {
                reply(prefix + "/" + op.topic + (r.accepted() ? "/accepted" : "/rejected"),
                        Json.bytes(r.payload()));
            }
        } finally {
            Runnable notRun = beforeFirstReply.get();
            beforeFirstReply.remove();
            if (notRun != null) {
                notRun.run(); // nothing was published
            }
        }
        return r;
    }

    /** Publishes a reply; the first one of a request is preceded by the request's "answered" callback. */
    private void reply(String topic, byte[] payload) {
        Runnable answered = beforeFirstReply.get();
        if (answered != null) {
            beforeFirstReply.remove();
            answered.run();
        }
        publisher.publish(topic, payload);
    }

    /** An invalid thing or shadow name in a request topic: answered like any other bad request. */
    public void rejectInvalidName(String rawPrefix, String op, byte[] payload, String message) {
        Result r = error(400, message, tokenOf(payload), now());
        reply(rawPrefix + "/" + op + "/rejected", Json.bytes(r.payload()));
    }

    /** More requests in flight for the thing on one connection than the service allows. */
    public void rejectThrottled(String prefix, String op, byte[] payload) {
        Result r = error(429, "Too Many Requests", tokenOf(payload), now());
        reply(prefix + "/" + op + "/rejected", Json.bytes(r.payload()));
    }

    private static String tokenOf(byte[] payload) {
        JsonNode n = payload == null || payload.length == 0 ? null : Json.parse(payload);
        JsonNode t = n == null ? null : n.get("clientToken");
        return t != null && t.isTextual() ? t.asText() : null;
    }

    private Result process(String thing, String shadow, Op op, byte[] payload, long ts, String prefix) {
        if (payload.length > 0 && !Json.isUtf8(payload)) {
            return error(415, "Unsupported documented encoding; supported encoding is UTF-8", null, ts);
        }
        JsonNode req;
        if (payload.length == 0 && op != Op.UPDATE) {
            req = Json.object();
        } else {
            req = Json.parse(payload);
            if (req == null || !req.isObject()) {
                return error(400, "Invalid JSON", null, ts);
            }
        }
        String token = null;
        JsonNode tok = req.get("clientToken");
        if (tok != null && !tok.isNull()) {
            if (!tok.isTextual()) {
                return error(400, "Invalid clientToken", null, ts);
            }
            token = tok.asText();
            if (token.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_TOKEN_BYTES) {
                return error(400, "Invalid clientToken", token, ts);
            }
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            return error(413, "The payload exceeds the maximum size allowed", token, ts);
        }
        Key key = new Key(thing, shadow);
        switch (op) {
            case GET:
                return get(key, token, ts);
            case DELETE:
                return delete(key, token, ts);
            default:
                return update(key, (ObjectNode) req, token, ts, prefix);
        }
    }

    // ------------------------------------------------------------------ get / delete

    private Result get(Key key, String token, long ts) {
        Doc doc = docs.get(key);
        if (doc == null || !doc.exists) {
            return notFound(key, token, ts);
        }
        ObjectNode out = Json.object();
        ObjectNode state = out.putObject("state");
        if (doc.desired != null) {
            state.set("desired", doc.desired.deepCopy());
        }
        if (doc.reported != null) {
            state.set("reported", doc.reported.deepCopy());
        }
        if (doc.desired != null) {
            ObjectNode delta = delta(doc.desired, doc.reported);
            if (!delta.isEmpty()) {
                state.set("delta", delta);
            }
        }
        out.set("metadata", metadataOf(doc));
        out.put("version", doc.version);
        out.put("timestamp", ts);
        putToken(out, token);
        return new Result(true, 200, null, out, false);
    }

    private Result delete(Key key, String token, long ts) {
        Doc doc = docs.get(key);
        if (doc == null || !doc.exists) {
            return notFound(key, token, ts);
        }
        doc.exists = false;
        doc.desired = null;
        doc.reported = null;
        doc.metaDesired = null;
        doc.metaReported = null;
        ObjectNode out = Json.object();
        out.put("version", doc.version);
        out.put("timestamp", ts);
        putToken(out, token);
        return new Result(true, 200, null, out, false);
    }

    private Result notFound(Key key, String token, long ts) {
        return error(404, "No shadow exists with name: " + (key.shadow() == null ? key.thing() : key.shadow()), token,
                ts);
    }

    // ------------------------------------------------------------------ update

    private Result update(Key key, ObjectNode req, String token, long ts, String prefix) {
        JsonNode state = req.get("state");
        if (state == null) {
            return error(400, "Missing required node: state", token, ts);
        }
        Long expected = null;
        JsonNode ver = req.get("version");
        if (ver != null && !ver.isNull()) {
            if (!ver.isIntegralNumber() || !ver.canConvertToLong() || ver.asLong() < 0) {
                return error(400, "Invalid version", token, ts);
            }
            expected = ver.asLong();
        }
        boolean clearAll = false;
        boolean hasDesired = false;
        boolean hasReported = false;
        JsonNode reqDesired = null;
        JsonNode reqReported = null;
        if (state.isNull()) {
            clearAll = true;
        } else if (!state.isObject()) {
            return error(400, "State node must be an object", token, ts);
        } else {
            for (Iterator<String> it = state.fieldNames(); it.hasNext();) {
                String name = it.next();
                if (!"desired".equals(name) && !"reported".equals(name)) {
                    return error(400, "State contains an invalid node: '" + name + "'", token, ts);
                }
            }
            if (state.has("desired")) {
                hasDesired = true;
                reqDesired = state.get("desired");
                if (!reqDesired.isNull() && !reqDesired.isObject()) {
                    return error(400, "Desired node must be an object", token, ts);
                }
            }
            if (state.has("reported")) {
                hasReported = true;
                reqReported = state.get("reported");
                if (!reqReported.isNull() && !reqReported.isObject()) {
                    return error(400, "Reported node must be an object", token, ts);
                }
            }
            if (Json.depth(reqDesired) > MAX_DEPTH || Json.depth(reqReported) > MAX_DEPTH) {
                return error(400, "JSON contains too many levels of nesting; maximum is " + MAX_DEPTH, token, ts);
            }
        }
        Doc doc = docs.get(key);
        long current = doc == null ? 0 : doc.version;
        if (expected != null && expected != current) {
            return error(409, "Version conflict", token, ts);
        }
        boolean existed = doc != null && doc.exists;

        // compute the new document on copies: nothing changes unless every check passes
        ObjectNode desired = existed && doc.desired != null ? doc.desired.deepCopy() : null;
        ObjectNode reported = existed && doc.reported != null ? doc.reported.deepCopy() : null;
        ObjectNode metaDesired = existed && doc.metaDesired != null ? doc.metaDesired.deepCopy() : null;
        ObjectNode metaReported = existed && doc.metaReported != null ? doc.metaReported.deepCopy() : null;
        JsonNode tsMeta = timestampNode(ts);
        if (clearAll) {
            desired = reported = metaDesired = metaReported = null;
        }
        if (hasDesired) {
            if (reqDesired.isNull()) {
                desired = metaDesired = null;
            } else {
                if (desired == null) {
                    desired = Json.object();
                    metaDesired = Json.object();
                }
                merge(desired, (ObjectNode) reqDesired, metaDesired, tsMeta);
                if (desired.isEmpty()) {
                    desired = metaDesired = null;
                }
            }
        }
        if (hasReported) {
            if (reqReported.isNull()) {
                reported = metaReported = null;
            } else {
                if (reported == null) {
                    reported = Json.object();
                    metaReported = Json.object();
                }
                merge(reported, (ObjectNode) reqReported, metaReported, tsMeta);
                if (reported.isEmpty()) {
                    reported = metaReported = null;
                }
            }
        }
        if (Json.size(desired) + Json.size(reported) > MAX_STATE_BYTES) {
            return error(413, "The payload exceeds the maximum size allowed", token, ts);
        }

        // commit
        ObjectNode previous = existed ? documentOf(doc) : null;
        if (doc == null) {
            doc = new Doc();
            docs.put(key, doc);
        }
        doc.desired = desired;
        doc.reported = reported;
        doc.metaDesired = metaDesired;
        doc.metaReported = metaReported;
        doc.version = current + 1;
        doc.exists = true;

        // update/accepted echoes the request's state with metadata for what it wrote
        ObjectNode accepted = Json.object();
        accepted.set("state", state.deepCopy());
        ObjectNode meta = accepted.putObject("metadata");
        if (hasDesired) {
            meta.set("desired", reqDesired.isNull() ? tsMeta.deepCopy() : patchMetadata((ObjectNode) reqDesired, tsMeta));
        }
        if (hasReported) {
            meta.set("reported",
                    reqReported.isNull() ? tsMeta.deepCopy() : patchMetadata((ObjectNode) reqReported, tsMeta));
        }
        accepted.put("version", doc.version);
        accepted.put("timestamp", ts);
        putToken(accepted, token);
        reply(prefix + "/update/accepted", Json.bytes(accepted));

        // update/delta: only for updates of desired, only when desired and reported differ
        if (hasDesired && doc.desired != null) {
            ObjectNode delta = delta(doc.desired, doc.reported);
            if (!delta.isEmpty()) {
                ObjectNode msg = Json.object();
                msg.put("version", doc.version);
                msg.put("timestamp", ts);
                msg.set("state", delta);
                msg.set("metadata", deltaMetadata(delta, doc.metaDesired));
                putToken(msg, token);
                reply(prefix + "/update/delta", Json.bytes(msg));
            }
        }

        ObjectNode documents = Json.object();
        if (previous != null) {
            documents.set("previous", previous);
        }
        documents.set("current", documentOf(doc));
        documents.put("timestamp", ts);
        putToken(documents, token);
        reply(prefix + "/update/documents", Json.bytes(documents));

        // the accepted reply was already published; the caller must not publish it again
        return new Result(true, 200, null, accepted, true);
    }

    // ------------------------------------------------------------------ document algebra

    /** Merges the patch into target (in place): objects recursively, null deletes, arrays whole. */
    static void merge(ObjectNode target, ObjectNode patch, ObjectNode meta, JsonNode tsMeta) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                target.remove(k);
                meta.remove(k);
            } else if (v.isObject()) {
                JsonNode existing = target.get(k);
                JsonNode existingMeta = meta.get(k);
                ObjectNode sub = existing != null && existing.isObject() ? (ObjectNode) existing : Json.object();
                ObjectNode subMeta = existing != null && existing.isObject() && existingMeta != null
                        && existingMeta.isObject() ? (ObjectNode) existingMeta : Json.object();
                merge(sub, (ObjectNode) v, subMeta, tsMeta);
                if (sub.isEmpty()) {
                    target.remove(k);
                    meta.remove(k);
                } else {
                    target.set(k, sub);
                    meta.set(k, subMeta);
                }
            } else {
                target.set(k, v.deepCopy());
                meta.set(k, leafMetadata(v, tsMeta));
            }
        }
    }

    /** Metadata of a written value: {timestamp} per leaf, objects mirrored, arrays per element. */
    static JsonNode leafMetadata(JsonNode v, JsonNode tsMeta) {
        if (v.isObject()) {
            ObjectNode m = Json.object();
            v.fields().forEachRemaining(e -> m.set(e.getKey(), leafMetadata(e.getValue(), tsMeta)));
            return m;
        }
        if (v.isArray()) {
            ArrayNode a = Json.MAPPER.createArrayNode();
            v.forEach(el -> a.add(leafMetadata(el, tsMeta)));
            return a;
        }
        return tsMeta.deepCopy();
    }

    /** Metadata of a request patch (nulls included: they were written too). */
    static ObjectNode patchMetadata(ObjectNode patch, JsonNode tsMeta) {
        ObjectNode m = Json.object();
        patch.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            m.set(e.getKey(), v.isObject() ? patchMetadata((ObjectNode) v, tsMeta) : leafMetadata(v, tsMeta));
        });
        return m;
    }

    /** Keys of desired whose values differ from reported, recursively; arrays compared whole. */
    static ObjectNode delta(ObjectNode desired, JsonNode reported) {
        ObjectNode out = Json.object();
        desired.fields().forEachRemaining(e -> {
            String k = e.getKey();
            JsonNode dv = e.getValue();
            JsonNode rv = reported != null && reported.isObject() ? reported.get(k) : null;
            if (dv.isObject() && rv != null && rv.isObject()) {
                ObjectNode sub = delta((ObjectNode) dv, rv);
                if (!sub.isEmpty()) {
                    out.set(k, sub);
                }
            } else if (rv == null || !dv.equals(NUMERIC_AWARE, rv)) {
                out.set(k, dv.deepCopy());
            }
        });
        return out;
    }

    /** The desired metadata of the delta's keys. */
    static ObjectNode deltaMetadata(ObjectNode delta, JsonNode metaDesired) {
        ObjectNode out = Json.object();
        delta.fields().forEachRemaining(e -> {
            JsonNode m = metaDesired == null ? null : metaDesired.get(e.getKey());
            if (m == null) {
                return;
            }
            if (e.getValue().isObject() && m.isObject()) {
                out.set(e.getKey(), deltaMetadata((ObjectNode) e.getValue(), m));
            } else {
                out.set(e.getKey(), m.deepCopy());
            }
        });
        return out;
    }

    private static ObjectNode metadataOf(Doc doc) {
        ObjectNode meta = Json.object();
        if (doc.metaDesired != null) {
            meta.set("desired", doc.metaDesired.deepCopy());
        }
        if (doc.metaReported != null) {
            meta.set("reported", doc.metaReported.deepCopy());
        }
        return meta;
    }

    /** {state:{desired,reported}, metadata:{desired,reported}, version} as in update/documents. */
    private static ObjectNode documentOf(Doc doc) {
        ObjectNode d = Json.object();
        ObjectNode state = d.putObject("state");
        if (doc.desired != null) {
            state.set("desired", doc.desired.deepCopy());
        }
        if (doc.reported != null) {
            state.set("reported", doc.reported.deepCopy());
        }
        d.set("metadata", metadataOf(doc));
        d.put("version", doc.version);
        return d;
    }

    private static JsonNode timestampNode(long ts) {
        ObjectNode n = Json.object();
        n.put("timestamp", ts);
        return n;
    }

    private static void putToken(ObjectNode out, String token) {
        if (token != null) {
            out.put("clientToken", token);
        }
    }

    private static Result error(int code, String message, String token, long ts) {
        ObjectNode out = Json.object();
        out.put("code", code);
        out.put("message", message);
        out.put("timestamp", ts);
        putToken(out, token);
        return new Result(false, code, message, out, false);
    }

    // ------------------------------------------------------------------ inspection (control API)

    /** Names of the named shadows of a thing that currently exist (classic excluded). */
    public List<String> shadowNames(String thing) {
        List<String> names = new ArrayList<>();
        docs.forEach((k, d) -> {
            if (k.thing().equals(thing) && k.shadow() != null && d.exists) {
                names.add(k.shadow());
            }
        });
        names.sort(null);
        return names;
    }
}
