package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.junit.jupiter.api.Test;

class ShadowJsonTest {

    private static final ShadowKey KEY = new ShadowKey("t", "s");

    private static ObjectNode obj(String json) throws Exception {
        return ShadowJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void depthCountsTheSectionItselfAsAWSIoTDoes() throws Exception {
        StringBuilder deepest = new StringBuilder();
        assertEquals(0, ShadowJson.depth(obj("{\"a\":1}").get("a"), new StringBuilder("x"), deepest));
        assertEquals(1, ShadowJson.depth(obj("{\"a\":1}"), new StringBuilder("desired"), deepest));
        assertEquals(3, ShadowJson.depth(obj("{\"a\":[[1]],\"b\":{}}"), new StringBuilder("desired"), deepest));
        assertEquals("desired.a[0]", deepest.toString());
    }

    @Test
    void theUpdateLimitIsOnDesiredPlusReported() {
        String half = "x".repeat(4080);
        byte[] ok = ShadowJson.updatePayload(ShadowUpdate.builder().desired(Map.of("a", half)).reported(Map.of("b", half)).build(),
                "tok", KEY);
        assertTrue(ok.length > 8192, "the request itself may exceed 8 KB: token and keys do not count");
        PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class, () -> ShadowJson.updatePayload(
                ShadowUpdate.builder().desired(Map.of("a", half + "yyyyyyyyyy")).reported(Map.of("b", half + "yyyyyyyyyy")).build(), "tok", KEY));
        assertEquals(8196, e.size());
        assertTrue(e.getMessage().contains("desired plus reported state of the update of shadow 's' of thing 't' is 8196 bytes"),
                e.getMessage());
        InvalidRequestException deep = assertThrows(InvalidRequestException.class, () -> ShadowJson.updatePayload(
                ShadowUpdate.reported(Map.of("a", List.of(List.of(List.of(List.of(List.of(List.of(1)))))))), "tok", KEY));
        assertTrue(deep.getMessage().contains("reported state"), deep.getMessage());
        assertTrue(deep.getMessage().contains("at reported.a[0][0][0][0][0]"), deep.getMessage());
    }

    @Test
    void theDeltaRule() throws Exception {
        ObjectNode desired = obj("{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":[1,2],\"f\":1.0,\"g\":\"x\",\"h\":{\"i\":1}}");
        JsonNode reported = obj("{\"a\":1,\"b\":{\"c\":2,\"d\":4},\"e\":[1,2,3],\"f\":1,\"h\":5,\"only\":true}");
        assertEquals(obj("{\"b\":{\"d\":3},\"e\":[1,2],\"g\":\"x\",\"h\":{\"i\":1}}"), ShadowJson.delta(desired, reported));
        assertEquals(desired, ShadowJson.delta(desired, null));
        assertTrue(ShadowJson.sameJava(Map.of("a", 1), Map.of("a", 1.0)));
        assertFalse(ShadowJson.sameJava(Map.of("a", List.of(1)), Map.of("a", List.of(1, 2))));
        assertEquals(Map.of("a", Map.of("b", 2, "c", 3), "d", 4),
                ShadowJson.mergeDelta(Map.of("a", Map.of("b", 1, "c", 3)), Map.of("a", Map.of("b", 2), "d", 4)));
    }

    @Test
    void jsonBecomesPlainJava() throws Exception {
        Map<String, Object> m = ShadowJson.toMap(obj("{\"i\":1,\"l\":12345678901,\"big\":123456789012345678901234,"
                + "\"d\":1.5,\"s\":\"x\",\"b\":true,\"n\":null,\"a\":[1,{\"k\":\"v\"}]}"));
        assertEquals(1, m.get("i"));
        assertEquals(12345678901L, m.get("l"));
        assertEquals(new BigInteger("123456789012345678901234"), m.get("big"));
        assertEquals(1.5, m.get("d"));
        assertEquals(Boolean.TRUE, m.get("b"));
        assertTrue(m.containsKey("n") && m.get("n") == null);
        assertEquals(List.of(1, Map.of("k", "v")), m.get("a"));
    }

    @Test
    void theDeltaOfAGetCarriesTheDesiredMetadataOfItsKeys() throws Exception {
        ShadowDelta d = ShadowJson.deltaOfGet(KEY, obj("{\"state\":{\"desired\":{\"a\":1,\"b\":{\"c\":2}},\"delta\":{\"b\":{\"c\":2}}},"
                + "\"metadata\":{\"desired\":{\"a\":{\"timestamp\":1},\"b\":{\"c\":{\"timestamp\":2}}}},\"version\":7,\"timestamp\":9}"));
        assertEquals(Map.of("b", Map.of("c", 2)), d.state());
        assertEquals(Map.of("b", Map.of("c", Map.of("timestamp", 2))), d.metadata());
        assertEquals(7, d.version());
        assertEquals(9, d.timestamp().orElseThrow().getEpochSecond());
        assertTrue(d.json().contains("\"version\":7"), d.json());
    }

    @Test
    void malformedPayloadsAreRecognised() {
        assertThrows(ShadowJson.MalformedJsonException.class, () -> obj("{"));
        assertThrows(ShadowJson.MalformedJsonException.class, () -> obj("42"));
        assertThrows(ShadowJson.MalformedJsonException.class, () -> obj(""));
        assertThrows(ShadowJson.MalformedJsonException.class, () -> ShadowJson.delta(KEY, obj("{\"state\":1,\"version\":1}"), ""));
        assertThrows(ShadowJson.MalformedJsonException.class, () -> ShadowJson.change(KEY, obj("{\"current\":[]}"), ""));
    }

    /** Found by fuzzing: a timestamp beyond the range of Instant threw DateTimeException out of every reply decoder. */
    @Test
    void timestampsBeyondTheRangeOfInstantAreIgnored() throws Exception {
        for (String t : new String[] {"170011111111111111111111111111", "9223372036854775807", "1e300", "-1e300"}) {
            ObjectNode reply = obj("{\"state\":{\"color\":\"green\"},\"version\":9,\"timestamp\":" + t + "}");
            assertEquals(null, ShadowJson.timestamp(reply), t);
            assertEquals(9, ShadowJson.delta(KEY, reply, "").version());
            assertFalse(ShadowJson.delta(KEY, reply, "").timestamp().isPresent());
            assertEquals(9, ShadowJson.document(KEY, reply, "").version());
            ShadowJson.deltaOfGet(KEY, reply);
        }
    }

    /**
     * Found by fuzzing: 1e999 was read as Infinity, so the API's document builder rejected the reply
     * (InvalidRequestException "Infinity has no JSON form") and the delta rule threw NumberFormatException.
     */
    @Test
    void numbersBeyondTheRangeOfADoubleStayExactDecimals() throws Exception {
        ObjectNode reply = obj("{\"state\":{\"desired\":{\"a\":1e999,\"b\":[-1e999],\"c\":1.5,\"d\":10.0},"
                + "\"reported\":{\"a\":1E+999,\"c\":1.50}},\"version\":3}");
        org.iotgateway.api.shadow.ShadowDocument doc = ShadowJson.document(KEY, reply, "");
        assertEquals(new java.math.BigDecimal("1e999"), doc.desired().get("a"));
        assertEquals(List.of(new java.math.BigDecimal("-1e999")), doc.desired().get("b"));
        assertEquals(1.5, doc.desired().get("c"));
        assertEquals(10.0, doc.desired().get("d"));
        // found by fuzzing too: more digits than a double holds were silently rounded
        ObjectNode precise = obj("{\"state\":{\"desired\":{\"p\":92233720368547758083.0}},\"version\":4}");
        assertEquals(0, new java.math.BigDecimal("92233720368547758083.0")
                .compareTo((java.math.BigDecimal) ShadowJson.document(KEY, precise, "").desired().get("p")));
        ObjectNode desired = (ObjectNode) reply.get("state").get("desired");
        assertEquals(Set.of("b", "d"), fieldNames(ShadowJson.delta(desired, reply.get("state").get("reported"))));
        assertTrue(ShadowJson.delta(desired, desired).isEmpty());
        assertTrue(ShadowJson.sameJava(doc.desired(), ShadowJson.toMap(desired)));
    }

    private static Set<String> fieldNames(ObjectNode o) {
        Set<String> names = new java.util.HashSet<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
