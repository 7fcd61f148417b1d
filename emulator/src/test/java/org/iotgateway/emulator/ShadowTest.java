package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every Device Shadow rule, over MQTT with a raw Paho client, payloads as AWS documents them. */
class ShadowTest extends EmulatorTestBase {
    private String thing;
    private String prefix;
    private TestClient c;

    @BeforeEach
    void setUp() {
        thing = unique("thing");
        prefix = "$aws/things/" + thing + "/shadow";
        c = client(prefix + "/#");
    }

    private JsonNode accepted(String op, String token) {
        return c.awaitToken(prefix + "/" + op + "/accepted", token);
    }

    private JsonNode rejected(String op, String token) {
        return c.awaitToken(prefix + "/" + op + "/rejected", token);
    }

    private JsonNode get(String token) {
        c.publish(prefix + "/get", "{\"clientToken\":\"" + token + "\"}");
        return accepted("get", token);
    }

    private void send(String op, String payload) {
        c.publish(prefix + "/" + op, payload);
    }

    // ------------------------------------------------------------------ merge

    @Test
    void mergesRecursivelyAndNullDeletesKeys() {
        send("update", "{\"state\":{\"reported\":{\"color\":{\"r\":255,\"g\":255,\"b\":0},\"engine\":\"ON\"}},"
                + "\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        send("update", "{\"state\":{\"reported\":{\"color\":{\"r\":10,\"g\":null},\"engine\":null,\"fuel\":3}},"
                + "\"clientToken\":\"t2\"}");
        accepted("update", "t2");
        JsonNode doc = get("g1");
        assertEquals(json("{\"color\":{\"r\":10,\"b\":0},\"fuel\":3}"), doc.at("/state/reported"));
        assertEquals(2, doc.get("version").asInt());
    }

    @Test
    void nullSectionsAndNullStateDeleteWholeSections() {
        send("update", "{\"state\":{\"desired\":{\"a\":1},\"reported\":{\"b\":2}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        send("update", "{\"state\":{\"desired\":null},\"clientToken\":\"t2\"}");
        JsonNode acc = accepted("update", "t2");
        assertTrue(acc.at("/state/desired").isNull(), "accepted echoes the null: " + acc);
        JsonNode doc = get("g1");
        assertTrue(doc.at("/state/desired").isMissingNode(), doc.toString());
        assertEquals(json("{\"b\":2}"), doc.at("/state/reported"));
        assertTrue(doc.at("/metadata/desired").isMissingNode(), doc.toString());

        send("update", "{\"state\":null,\"clientToken\":\"t3\"}");
        JsonNode acc3 = accepted("update", "t3");
        assertEquals(3, acc3.get("version").asInt());
        JsonNode doc2 = get("g2");
        assertEquals(json("{}"), doc2.get("state"));
        assertEquals(json("{}"), doc2.get("metadata"));
        assertEquals(3, doc2.get("version").asInt());
    }

    @Test
    void emptyObjectsDisappear() {
        send("update", "{\"state\":{\"reported\":{\"a\":{\"b\":1},\"c\":{}}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        send("update", "{\"state\":{\"reported\":{\"a\":{\"b\":null}}},\"clientToken\":\"t2\"}");
        accepted("update", "t2");
        JsonNode doc = get("g");
        // a became empty and disappeared; c was empty from the start; reported is empty, so gone too
        assertTrue(doc.at("/state/reported").isMissingNode(), doc.toString());
        assertTrue(doc.at("/metadata/reported").isMissingNode(), doc.toString());
    }

    @Test
    void arraysAreReplacedWhole() {
        send("update", "{\"state\":{\"reported\":{\"colors\":[\"RED\",\"GREEN\",\"BLUE\"],"
                + "\"n\":[{\"x\":1}]}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        send("update", "{\"state\":{\"reported\":{\"colors\":[\"BLUE\"],\"n\":[{\"y\":2}]}},\"clientToken\":\"t2\"}");
        accepted("update", "t2");
        JsonNode doc = get("g");
        assertEquals(json("[\"BLUE\"]"), doc.at("/state/reported/colors"));
        assertEquals(json("[{\"y\":2}]"), doc.at("/state/reported/n"));
        // metadata of an array: one entry per element
        assertEquals(json("[{\"timestamp\":" + T0_SECONDS + "}]"), doc.at("/metadata/reported/colors"));
        assertEquals(json("[{\"y\":{\"timestamp\":" + T0_SECONDS + "}}]"), doc.at("/metadata/reported/n"));
    }

    // ------------------------------------------------------------------ delta

    @Test
    void deltaIsNestedWithPathFromRootAndComparesArraysWhole() {
        send("update", "{\"state\":{\"reported\":{\"color\":{\"r\":255,\"g\":255,\"b\":0},\"list\":[1,2],"
                + "\"only\":\"reported\"}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        c.expectNothing(prefix + "/update/delta", Duration.ofMillis(150));

        send("update", "{\"state\":{\"desired\":{\"color\":{\"r\":10,\"g\":255},\"engine\":\"ON\",\"list\":[1,2,3]}},"
                + "\"clientToken\":\"t2\"}");
        JsonNode acc = accepted("update", "t2");
        JsonNode delta = c.awaitToken(prefix + "/update/delta", "t2");
        assertEquals(json("{\"color\":{\"r\":10},\"engine\":\"ON\",\"list\":[1,2,3]}"), delta.get("state"));
        assertEquals(acc.get("version"), delta.get("version"));
        assertEquals(T0_SECONDS, delta.get("timestamp").asLong());
        assertEquals(json("{\"color\":{\"r\":{\"timestamp\":" + T0_SECONDS + "}},\"engine\":{\"timestamp\":"
                + T0_SECONDS + "},\"list\":[{\"timestamp\":" + T0_SECONDS + "},{\"timestamp\":" + T0_SECONDS
                + "},{\"timestamp\":" + T0_SECONDS + "}]}"), delta.get("metadata"));

        JsonNode doc = get("g");
        assertEquals(delta.get("state"), doc.at("/state/delta"));
    }

    @Test
    void deltaPublishedOnlyWhenNonEmpty() {
        send("update", "{\"state\":{\"reported\":{\"mode\":\"eco\"}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        // desired equal to reported: accepted and documents, but no delta
        send("update", "{\"state\":{\"desired\":{\"mode\":\"eco\"}},\"clientToken\":\"t2\"}");
        accepted("update", "t2");
        c.awaitToken(prefix + "/update/documents", "t2");
        c.expectNothing(prefix + "/update/delta", Duration.ofMillis(200));
        assertTrue(get("g").at("/state/delta").isMissingNode());

        // a reported-only update never produces a delta message
        send("update", "{\"state\":{\"desired\":{\"mode\":\"boost\"}},\"clientToken\":\"t3\"}");
        c.awaitToken(prefix + "/update/delta", "t3");
        send("update", "{\"state\":{\"reported\":{\"other\":1}},\"clientToken\":\"t4\"}");
        c.awaitToken(prefix + "/update/documents", "t4");
        c.expectNothing(prefix + "/update/delta", Duration.ofMillis(200));
        // the device catches up: delta is empty again
        send("update", "{\"state\":{\"reported\":{\"mode\":\"boost\"}},\"clientToken\":\"t5\"}");
        accepted("update", "t5");
        assertTrue(get("g2").at("/state/delta").isMissingNode());
    }

    // ------------------------------------------------------------------ versions

    @Test
    void versionsIncrementAndMismatchIs409() {
        send("update", "{\"state\":{\"reported\":{\"v\":1}},\"clientToken\":\"t1\"}");
        assertEquals(1, accepted("update", "t1").get("version").asInt());
        send("update", "{\"state\":{\"reported\":{\"v\":2}},\"version\":1,\"clientToken\":\"t2\"}");
        assertEquals(2, accepted("update", "t2").get("version").asInt());
        send("update", "{\"state\":{\"reported\":{\"v\":3}},\"version\":1,\"clientToken\":\"t3\"}");
        JsonNode rej = rejected("update", "t3");
        assertEquals(409, rej.get("code").asInt());
        assertEquals("Version conflict", rej.get("message").asText());
        assertEquals(T0_SECONDS, rej.get("timestamp").asLong());
        JsonNode doc = get("g");
        assertEquals(2, doc.get("version").asInt());
        assertEquals(2, doc.at("/state/reported/v").asInt(), "the rejected update changed nothing");
    }

    @Test
    void deleteKeepsTheVersionCounter() {
        send("update", "{\"state\":{\"reported\":{\"v\":1}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        send("update", "{\"state\":{\"reported\":{\"v\":2}},\"clientToken\":\"t2\"}");
        accepted("update", "t2");
        send("delete", "{\"clientToken\":\"d1\"}");
        JsonNode del = accepted("delete", "d1");
        assertEquals(2, del.get("version").asInt());
        assertEquals(T0_SECONDS, del.get("timestamp").asLong());
        send("get", "{\"clientToken\":\"g1\"}");
        assertEquals(404, rejected("get", "g1").get("code").asInt());
        send("update", "{\"state\":{\"reported\":{\"v\":3}},\"clientToken\":\"t3\"}");
        assertEquals(3, accepted("update", "t3").get("version").asInt());
        JsonNode docs = c.awaitToken(prefix + "/update/documents", "t3");
        assertFalse(docs.has("previous"), "no previous document after a delete: " + docs);
    }

    // ------------------------------------------------------------------ metadata, documents, get

    @Test
    void everyWrittenLeafGetsATimestamp() {
        send("update", "{\"state\":{\"desired\":{\"a\":1,\"o\":{\"x\":true}}},\"clientToken\":\"t1\"}");
        JsonNode acc = accepted("update", "t1");
        long ts1 = T0_SECONDS;
        assertEquals(json("{\"desired\":{\"a\":{\"timestamp\":" + ts1 + "},\"o\":{\"x\":{\"timestamp\":" + ts1
                + "}}}}"), acc.get("metadata"));
        assertEquals(json("{\"desired\":{\"a\":1,\"o\":{\"x\":true}}}"), acc.get("state"));
        assertEquals(ts1, acc.get("timestamp").asLong());

        clock.advance(Duration.ofSeconds(30));
        try {
            send("update", "{\"state\":{\"desired\":{\"o\":{\"y\":\"s\"}}},\"clientToken\":\"t2\"}");
            JsonNode acc2 = accepted("update", "t2");
            long ts2 = ts1 + 30;
            assertEquals(json("{\"desired\":{\"o\":{\"y\":{\"timestamp\":" + ts2 + "}}}}"), acc2.get("metadata"));
            JsonNode doc = get("g");
            assertEquals(json("{\"desired\":{\"a\":{\"timestamp\":" + ts1 + "},\"o\":{\"x\":{\"timestamp\":" + ts1
                    + "},\"y\":{\"timestamp\":" + ts2 + "}}}}"), doc.get("metadata"));
            assertEquals(ts2, doc.get("timestamp").asLong());
        } finally {
            clock.set(T0);
        }
    }

    @Test
    void documentsCarryPreviousAndCurrent() {
        send("update", "{\"state\":{\"desired\":{\"a\":1}},\"clientToken\":\"t1\"}");
        JsonNode first = c.awaitToken(prefix + "/update/documents", "t1");
        assertFalse(first.has("previous"));
        assertEquals(json("{\"state\":{\"desired\":{\"a\":1}},\"metadata\":{\"desired\":{\"a\":{\"timestamp\":"
                + T0_SECONDS + "}}},\"version\":1}"), first.get("current"));

        send("update", "{\"state\":{\"reported\":{\"a\":1}},\"clientToken\":\"t2\"}");
        JsonNode docs = c.awaitToken(prefix + "/update/documents", "t2");
        assertEquals(first.get("current"), docs.get("previous"));
        assertEquals(json("{\"desired\":{\"a\":1},\"reported\":{\"a\":1}}"), docs.at("/current/state"));
        assertEquals(2, docs.at("/current/version").asInt());
        assertEquals(T0_SECONDS, docs.get("timestamp").asLong());
    }

    @Test
    void getReturnsStateDeltaMetadataVersion() {
        send("update", "{\"state\":{\"desired\":{\"a\":2},\"reported\":{\"a\":1,\"b\":true}},\"clientToken\":\"t1\"}");
        accepted("update", "t1");
        JsonNode doc = get("g1");
        assertEquals(json("{\"desired\":{\"a\":2},\"reported\":{\"a\":1,\"b\":true},\"delta\":{\"a\":2}}"),
                doc.get("state"));
        assertEquals(json("{\"desired\":{\"a\":{\"timestamp\":" + T0_SECONDS + "}},\"reported\":{\"a\":{"
                + "\"timestamp\":" + T0_SECONDS + "},\"b\":{\"timestamp\":" + T0_SECONDS + "}}}"), doc.get("metadata"));
        assertEquals(1, doc.get("version").asInt());
        assertEquals(T0_SECONDS, doc.get("timestamp").asLong());
        assertEquals("g1", doc.get("clientToken").asText());
    }

    @Test
    void replyOrderIsAcceptedThenDeltaThenDocuments() {
        send("update", "{\"state\":{\"desired\":{\"z\":1}},\"clientToken\":\"o1\"}");
        c.awaitToken(prefix + "/update/documents", "o1");
        java.util.List<String> order = new java.util.ArrayList<>();
        for (TestClient.Received r : c.drainAll()) {
            if (r.topic().startsWith(prefix + "/update/")) {
                order.add(r.topic().substring(prefix.length() + 8));
            }
        }
        // documents was consumed by the await above; accepted and delta came before it
        assertEquals(java.util.List.of("accepted", "delta"), order);
    }

    // ------------------------------------------------------------------ clientToken everywhere

    @Test
    void clientTokenIsEchoedOnEveryAcceptedAndRejectedReply() {
        send("get", "{\"clientToken\":\"get-rej\"}");
        assertEquals(404, rejected("get", "get-rej").get("code").asInt());
        send("delete", "{\"clientToken\":\"del-rej\"}");
        assertEquals(404, rejected("delete", "del-rej").get("code").asInt());
        send("update", "{\"clientToken\":\"upd-rej\"}");
        assertEquals(400, rejected("update", "upd-rej").get("code").asInt());
        send("update", "{\"state\":{\"desired\":{\"k\":1}},\"clientToken\":\"upd-acc\"}");
        accepted("update", "upd-acc");
        c.awaitToken(prefix + "/update/delta", "upd-acc");
        c.awaitToken(prefix + "/update/documents", "upd-acc");
        send("get", "{\"clientToken\":\"get-acc\"}");
        accepted("get", "get-acc");
        send("delete", "{\"clientToken\":\"del-acc\"}");
        accepted("delete", "del-acc");
    }

    @Test
    void repliesWithoutClientTokenWhenNoneWasSent() {
        send("update", "{\"state\":{\"reported\":{\"x\":1}}}");
        JsonNode acc = c.await(prefix + "/update/accepted");
        assertFalse(acc.has("clientToken"));
        send("get", "");
        JsonNode doc = c.await(prefix + "/get/accepted");
        assertFalse(doc.has("clientToken"));
        assertEquals(1, doc.at("/state/reported/x").asInt());
    }

    // ------------------------------------------------------------------ errors

    private void expect400(String payload, String token, String message) {
        send("update", payload);
        JsonNode rej = rejected("update", token);
        assertEquals(400, rej.get("code").asInt(), rej.toString());
        assertEquals(message, rej.get("message").asText());
        assertEquals(T0_SECONDS, rej.get("timestamp").asLong());
    }

    @Test
    void badRequestVariants() {
        expect400("{\"clientToken\":\"m\"}", "m", "Missing required node: state");
        expect400("{\"state\":5,\"clientToken\":\"s\"}", "s", "State node must be an object");
        expect400("{\"state\":{\"desired\":[1]},\"clientToken\":\"d\"}", "d", "Desired node must be an object");
        expect400("{\"state\":{\"reported\":\"x\"},\"clientToken\":\"r\"}", "r", "Reported node must be an object");
        expect400("{\"state\":{\"reported\":{}},\"version\":\"3\",\"clientToken\":\"v1\"}", "v1", "Invalid version");
        expect400("{\"state\":{\"reported\":{}},\"version\":1.5,\"clientToken\":\"v2\"}", "v2", "Invalid version");
        expect400("{\"state\":{\"delta\":{}},\"clientToken\":\"n\"}", "n", "State contains an invalid node: 'delta'");
        String longToken = "x".repeat(65);
        expect400("{\"state\":{\"reported\":{}},\"clientToken\":\"" + longToken + "\"}", longToken,
                "Invalid clientToken");

        // invalid JSON and a non-string token: no token to echo
        send("update", "{\"state\":{\"reported\":");
        JsonNode bad = c.await(prefix + "/update/rejected");
        assertEquals(400, bad.get("code").asInt());
        assertEquals("Invalid JSON", bad.get("message").asText());
        send("update", "{\"state\":{},\"clientToken\":42}");
        JsonNode badToken = c.await(prefix + "/update/rejected");
        assertEquals("Invalid clientToken", badToken.get("message").asText());

        // nothing was created by any of these
        send("get", "{\"clientToken\":\"after\"}");
        assertEquals(404, rejected("get", "after").get("code").asInt());
    }

    @Test
    void nestingDeeperThanSixIsRejected() {
        String six = "{\"l1\":{\"l2\":{\"l3\":{\"l4\":{\"l5\":{\"l6\":1}}}}}}";
        send("update", "{\"state\":{\"reported\":" + six + "},\"clientToken\":\"ok\"}");
        accepted("update", "ok");
        String seven = "{\"l1\":{\"l2\":{\"l3\":{\"l4\":{\"l5\":{\"l6\":{\"l7\":1}}}}}}}";
        expect400("{\"state\":{\"desired\":" + seven + "},\"clientToken\":\"deep\"}", "deep",
                "JSON contains too many levels of nesting; maximum is 6");
        String arrays = "{\"a\":[[[[[[1]]]]]]}";
        expect400("{\"state\":{\"reported\":" + arrays + "},\"clientToken\":\"deep2\"}", "deep2",
                "JSON contains too many levels of nesting; maximum is 6");
    }

    @Test
    void notFoundMessageNamesTheShadow() {
        send("get", "{\"clientToken\":\"g\"}");
        JsonNode rej = rejected("get", "g");
        assertEquals(404, rej.get("code").asInt());
        assertEquals("No shadow exists with name: " + thing, rej.get("message").asText());
        assertEquals(T0_SECONDS, rej.get("timestamp").asLong());
    }

    @Test
    void stateOverEightKilobytesIs413() {
        String justUnder = "\"" + "a".repeat(8100) + "\"";
        send("update", "{\"state\":{\"reported\":{\"big\":" + justUnder + "}},\"clientToken\":\"fits\"}");
        accepted("update", "fits");
        // desired + reported together over 8 KB
        send("update", "{\"state\":{\"desired\":{\"more\":\"" + "b".repeat(200) + "\"}},\"clientToken\":\"big\"}");
        JsonNode rej = rejected("update", "big");
        assertEquals(413, rej.get("code").asInt());
        assertEquals("The payload exceeds the maximum size allowed", rej.get("message").asText());
        JsonNode doc = get("g");
        assertEquals(1, doc.get("version").asInt());
        assertTrue(doc.at("/state/desired").isMissingNode());
        // removing keys in the same request frees space: the resulting document counts
        send("update", "{\"state\":{\"reported\":{\"big\":null},\"desired\":{\"more\":\"" + "b".repeat(200)
                + "\"}},\"clientToken\":\"swap\"}");
        assertEquals(2, accepted("update", "swap").get("version").asInt());
    }

    @Test
    void payloadOverTheServiceLimitIs413() {
        // this client also receives the 140 KB echo of its own request (subscribed to shadow/#):
        // the emulator's relay keeps Moquette from dropping the PUBACK meanwhile
        String huge = "{\"state\":{\"reported\":{\"x\":\"" + "y".repeat(140 * 1024) + "\"}},\"clientToken\":\"h\"}";
        send("update", huge);
        JsonNode rej = rejected("update", "h");
        assertEquals(413, rej.get("code").asInt());
        assertEquals("The payload exceeds the maximum size allowed", rej.get("message").asText());
    }

    @Test
    void nonUtf8PayloadIs415() {
        c.publish(prefix + "/update", new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        JsonNode rej = c.await(prefix + "/update/rejected");
        assertEquals(415, rej.get("code").asInt());
    }

    // ------------------------------------------------------------------ named shadows

    @Test
    void namedShadowsAreIndependentOfTheClassicShadow() {
        String named = prefix + "/name/config";
        c.publish(named + "/update", "{\"state\":{\"desired\":{\"rate\":5}},\"clientToken\":\"n1\"}");
        JsonNode acc = c.awaitToken(named + "/update/accepted", "n1");
        assertEquals(1, acc.get("version").asInt());
        JsonNode delta = c.awaitToken(named + "/update/delta", "n1");
        assertEquals(json("{\"rate\":5}"), delta.get("state"));
        c.awaitToken(named + "/update/documents", "n1");

        // classic shadow untouched
        send("get", "{\"clientToken\":\"classic\"}");
        assertEquals("No shadow exists with name: " + thing, rejected("get", "classic").get("message").asText());

        // another named shadow: its own 404 names it
        c.publish(prefix + "/name/other/get", "{\"clientToken\":\"o\"}");
        JsonNode rej = c.awaitToken(prefix + "/name/other/get/rejected", "o");
        assertEquals("No shadow exists with name: other", rej.get("message").asText());

        c.publish(named + "/get", "{\"clientToken\":\"g\"}");
        JsonNode doc = c.awaitToken(named + "/get/accepted", "g");
        assertEquals(json("{\"desired\":{\"rate\":5},\"delta\":{\"rate\":5}}"), doc.get("state"));
        assertEquals(java.util.List.of("config"), emulator.namedShadows(thing));

        c.publish(named + "/delete", "{\"clientToken\":\"d\"}");
        assertEquals(1, c.awaitToken(named + "/delete/accepted", "d").get("version").asInt());
        assertTrue(emulator.shadow(thing, "config").isEmpty());
    }
}
