package org.iotgateway.shadow.internal;

import static org.iotgateway.fuzz.Findings.check;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.shadow.ShadowChange;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.fuzz.FuzzBudget;
import org.iotgateway.fuzz.Hostile;
import org.iotgateway.fuzz.JsonOracle;
import org.junit.jupiter.api.Test;

/**
 * Every payload the shadow bundle receives (get/update/delete accepted and rejected, update/delta,
 * update/documents) goes through {@link ShadowJson}. Contract: {@link ShadowJson.MalformedJsonException} for a
 * payload that is not a JSON object or lacks what the message type needs; anything else must be decoded without an
 * exception, and the delta rule must hold.
 */
class ShadowJsonFuzzTest {

    private static final ShadowKey KEY = new ShadowKey("fuzz-thing", null);

    @DictionaryEntries({
            "{", "}", "[", "]", ":", ",", "null", "true", "false", "1e999", "-1e999", "1.0", "1e-400",
            "9223372036854775808", "99999999999999999999", "-0", "\"\"", "\"\\u0000\"", "\"state\"", "\"desired\"",
            "\"reported\"", "\"delta\"", "\"metadata\"", "\"version\"", "\"timestamp\"", "\"clientToken\"",
            "\"code\"", "\"message\"", "\"current\"", "\"previous\""})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void replies(byte[] payload) throws Exception {
        ObjectNode json;
        try {
            json = ShadowJson.parseObject(payload);
        } catch (ShadowJson.MalformedJsonException e) {
            return;
        }
        String text = new String(payload, StandardCharsets.UTF_8);

        // get/accepted, update/accepted
        ShadowDocument doc = ShadowJson.document(KEY, json, text);
        check(doc.version() >= 0, "negative version " + doc.version());
        ShadowJson.deltaOfGet(KEY, json);
        // */rejected
        ShadowJson.errorCode(json);
        ShadowJson.errorMessage(json);
        ShadowJson.token(json);

        // update/delta: the delta accumulates across messages
        try {
            ShadowDelta delta = ShadowJson.delta(KEY, json, text);
            Map<String, Object> once = ShadowJson.mergeDelta(Map.of(), delta.state());
            check(ShadowJson.sameJava(once, delta.state()), "merging a delta into nothing changed it");
            check(ShadowJson.sameJava(ShadowJson.mergeDelta(once, delta.state()), once), "merging a delta twice is not idempotent");
        } catch (ShadowJson.MalformedJsonException e) {
            // documented rejection
        }
        // update/documents
        try {
            ShadowChange change = ShadowJson.change(KEY, json, text);
            check(change.current() != null, "a change without a current document");
        } catch (ShadowJson.MalformedJsonException e) {
            // documented rejection
        }

        JsonNode state = json.get("state");
        if (state != null && state.isObject()) {
            JsonNode desired = state.get("desired");
            JsonNode reported = state.get("reported");
            if (desired != null && desired.isObject()) {
                deltaRule((ObjectNode) desired, reported);
                // JSON -> the API's Java values -> JSON keeps every value
                JsonNode back = ShadowJson.MAPPER.valueToTree(doc.desired());
                check(JsonOracle.sameValue(back, desired), "desired changed on the way to Java values: " + desired
                        + " became " + back);
            }
            if (desired != null) {
                int depth = ShadowJson.depth(desired, new StringBuilder("desired"), new StringBuilder());
                check(depth == JsonOracle.depth(desired), "depth " + depth + " but nesting is " + JsonOracle.depth(desired));
            }
        }
    }

    /** delta(desired, reported) is empty iff desired is contained in reported; delta(d, d) is always empty. */
    private static void deltaRule(ObjectNode desired, JsonNode reported) {
        ObjectNode delta = ShadowJson.delta(desired, reported);
        boolean contained = JsonOracle.contained(desired, reported);
        check(delta.isEmpty() == contained, "delta " + delta + " of desired " + desired + " and reported " + reported
                + (contained ? " is not empty although desired is contained" : " is empty although desired is not contained"));
        check(ShadowJson.delta(desired, desired).isEmpty(), "delta of " + desired + " with itself is not empty");
        // what the delta names, set in reported, makes the delta empty
        if (reported == null || reported.isObject()) {
            ObjectNode patched = reported == null ? ShadowJson.MAPPER.createObjectNode() : ((ObjectNode) reported).deepCopy();
            apply(patched, delta);
            check(ShadowJson.delta(desired, patched).isEmpty(), "reported " + patched + " patched with the delta " + delta
                    + " still differs from desired " + desired);
        }
    }

    private static void apply(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode old = target.get(e.getKey());
            if (e.getValue().isObject() && old != null && old.isObject()) {
                apply((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    @Test
    void deeplyNestedRepliesAreMalformedNotAStackOverflow() {
        assertThrows(ShadowJson.MalformedJsonException.class,
                () -> ShadowJson.parseObject(Hostile.nestedArraysIn("state", 10_000)));
        assertThrows(ShadowJson.MalformedJsonException.class,
                () -> ShadowJson.parseObject(Hostile.nestedObjects("state", 10_000)));
    }
}
