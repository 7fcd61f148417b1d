package org.iotgateway.emulator.internal;

import static org.iotgateway.fuzz.Findings.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.fuzz.Frames;
import org.iotgateway.fuzz.FuzzBudget;
import org.iotgateway.fuzz.Hostile;
import org.iotgateway.fuzz.JsonOracle;
import org.junit.jupiter.api.Test;

/**
 * The emulator's shadow service receives any client's MQTT payload. Contract: every request is answered on
 * /accepted or /rejected with a documented error code (never 500, the answer to an exception), a rejected request
 * changes nothing (document, metadata and version stay as they were), an accepted update merges the request into
 * the document (objects recursively, null deletes), increments the version by one, and publishes a delta exactly
 * when desired is not contained in reported.
 */
class ShadowServiceFuzzTest {

    private static final String THING = "fuzz-thing";

    /**
     * @param input up to 8 requests separated by a zero byte; each starts with one byte selecting the operation
     *              (value % 3: get, update, delete) and the shadow (value / 3 % 2: classic, named), the rest is
     *              the payload
     */
    @DictionaryEntries({
            "{", "}", "[", "]", ":", ",", "null", "true", "false", "1e999", "-1e999", "1.0", "1e-400",
            "9223372036854775808", "99999999999999999999", "-0", "\"\"", "\"\\u0000\"", "\"state\"", "\"desired\"",
            "\"reported\"", "\"version\"", "\"clientToken\"", "{\"state\":{\"desired\":",
            "{\"state\":{\"reported\":", "\\x00\\x01", "\\x00\\x04"})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void requests(byte[] input) {
        List<String> topics = new ArrayList<>();
        ShadowService service = new ShadowService((topic, payload) -> topics.add(topic),
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        for (byte[] request : Frames.split(input, 8)) {
            if (request.length == 0) {
                continue;
            }
            int selector = request[0] & 0xFF;
            ShadowService.Op op = ShadowService.Op.values()[selector % 3];
            String shadow = selector / 3 % 2 == 0 ? null : "config";
            byte[] payload = Arrays.copyOfRange(request, 1, request.length);
            ObjectNode before = stored(service, shadow);
            topics.clear();
            ShadowService.Result r = service.handle(THING, shadow, op, payload, true);
            ObjectNode after = stored(service, shadow);
            check(r.code() != 500, op + " of " + new String(payload, StandardCharsets.UTF_8) + " failed inside the service");
            check(r.payload() != null, "no answer");
            if (!r.accepted()) {
                check(r.code() >= 400 && r.code() < 500, "rejected with code " + r.code());
                check(String.valueOf(before).equals(String.valueOf(after)), "rejected " + op + " (" + r.message()
                        + ") changed the shadow from " + before + " to " + after);
                check(topics.size() == 1 && topics.get(0).endsWith("/" + op.topic + "/rejected"), "published " + topics);
                continue;
            }
            switch (op) {
                case GET:
                    check(String.valueOf(before).equals(String.valueOf(after)), "a get changed the shadow");
                    break;
                case DELETE:
                    check(before != null && after == null, "delete of " + before + " left " + after);
                    break;
                default:
                    updated(Json.parse(payload), before, after, topics);
            }
        }
    }

    private static void updated(JsonNode request, ObjectNode before, ObjectNode after, List<String> topics) {
        check(after != null, "an accepted update left no shadow");
        long oldVersion = before == null ? 0 : before.get("version").asLong();
        // a deleted shadow keeps counting: get answers 404 then, so only check the increment when it existed
        if (before != null) {
            check(after.get("version").asLong() == oldVersion + 1, "version " + oldVersion + " became " + after.get("version"));
        }
        JsonNode state = request.get("state");
        JsonNode oldState = before == null ? Json.object() : before.get("state");
        JsonNode desired = expected(state, oldState, "desired");
        JsonNode reported = expected(state, oldState, "reported");
        JsonNode newState = after.get("state");
        check(same(desired, newState.get("desired")), "desired: expected " + desired + " after merging " + state
                + " into " + oldState + ", found " + newState.get("desired"));
        check(same(reported, newState.get("reported")), "reported: expected " + reported + " after merging " + state
                + " into " + oldState + ", found " + newState.get("reported"));
        check(JsonOracle.depth(newState.get("desired")) <= ShadowService.MAX_DEPTH
                && JsonOracle.depth(newState.get("reported")) <= ShadowService.MAX_DEPTH, "stored state too deep");
        boolean deltaExpected = state.isObject() && state.has("desired") && desired != null
                && !JsonOracle.contained(desired, reported);
        boolean deltaPublished = topics.stream().anyMatch(t -> t.endsWith("/update/delta"));
        check(deltaExpected == deltaPublished, (deltaPublished ? "a delta was published" : "no delta was published")
                + " for desired " + desired + " and reported " + reported);
        check(topics.stream().anyMatch(t -> t.endsWith("/update/accepted"))
                && topics.stream().anyMatch(t -> t.endsWith("/update/documents")), "published " + topics);
    }

    /** The section after the update, by the documented rule; null when absent or emptied. */
    private static JsonNode expected(JsonNode state, JsonNode oldState, String section) {
        if (state.isNull()) {
            return null;
        }
        JsonNode old = oldState.get(section);
        if (!state.has(section)) {
            return old;
        }
        JsonNode patch = state.get(section);
        if (patch.isNull()) {
            return null;
        }
        ObjectNode target = old == null ? Json.object() : ((ObjectNode) old).deepCopy();
        mergeRule(target, (ObjectNode) patch);
        return target.isEmpty() ? null : target;
    }

    private static void mergeRule(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            JsonNode old = target.get(e.getKey());
            if (v.isNull()) {
                target.remove(e.getKey());
            } else if (v.isObject()) {
                ObjectNode sub = old != null && old.isObject() ? (ObjectNode) old : Json.object();
                mergeRule(sub, (ObjectNode) v);
                if (sub.isEmpty()) {
                    target.remove(e.getKey());
                } else {
                    target.set(e.getKey(), sub);
                }
            } else {
                target.set(e.getKey(), v);
            }
        }
    }

    private static boolean same(JsonNode a, JsonNode b) {
        return a == null ? b == null : b != null && a.equals(b);
    }

    /** The stored document as a control-API get sees it, without the per-answer fields; null when absent. */
    private static ObjectNode stored(ShadowService service, String shadow) {
        ShadowService.Result r = service.handle(THING, shadow, ShadowService.Op.GET, new byte[0], false);
        if (!r.accepted()) {
            check(r.code() == 404, "get of the stored shadow answered " + r.code());
            return null;
        }
        ObjectNode doc = r.payload().deepCopy();
        doc.remove("timestamp");
        doc.remove("clientToken");
        return doc;
    }

    @Test
    void deeplyNestedUpdatesAreRejectedNotAStackOverflow() {
        ShadowService service = new ShadowService((topic, payload) -> { },
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        assertEquals(400, service.handle(THING, null, ShadowService.Op.UPDATE, Hostile.nestedArraysIn("state", 10_000), true).code());
        assertEquals(400, service.handle(THING, null, ShadowService.Op.UPDATE, Hostile.nestedObjects("state", 10_000), true).code());
        assertEquals(404, service.handle(THING, null, ShadowService.Op.GET, new byte[0], false).code());
    }
}
