package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.iotgateway.api.shadow.ShadowOperation;
import org.junit.jupiter.api.Test;

class ShadowTopicsTest {

    @Test
    void thingAndShadowNamesFollowAwsRules() {
        assertNull(ShadowTopics.checkThingName("Gateway_17:line-1"));
        assertNull(ShadowTopics.checkThingName("x".repeat(128)));
        assertNull(ShadowTopics.checkShadowName(""), "empty = classic shadow");
        assertNull(ShadowTopics.checkShadowName("s".repeat(64)));

        assertEquals("thing name is empty", ShadowTopics.checkThingName(""));
        assertTrue(ShadowTopics.checkThingName("x".repeat(129)).contains("129 characters long; AWS IoT allows at most 128"));
        assertTrue(ShadowTopics.checkShadowName("s".repeat(65)).contains("at most 64"));
        assertTrue(ShadowTopics.checkThingName("plant/line").contains("topic separator '/' at position 6"));
        assertTrue(ShadowTopics.checkThingName("a+b").contains("MQTT wildcard '+'"));
        assertTrue(ShadowTopics.checkShadowName("all#").contains("MQTT wildcard '#'"));
        assertTrue(ShadowTopics.checkThingName("has space").contains("U+0020"));
        assertTrue(ShadowTopics.checkThingName("th\u00e9").contains("character '\u00e9'"));
        assertTrue(ShadowTopics.checkThingName("a.b").contains("only letters, digits, ':', '_' and '-' are allowed"));
    }

    @Test
    void requestTopics() {
        assertEquals("$aws/things/t/shadow/get", ShadowTopics.requestTopic(new ShadowKey("t", ""), ShadowOperation.GET));
        assertEquals("$aws/things/t/shadow/name/s/delete",
                ShadowTopics.requestTopic(new ShadowKey("t", "s"), ShadowOperation.DELETE));
    }

    @Test
    void replyTopicsAreParsedAndEverythingElseIsNot() {
        ShadowTopics.Reply r = ShadowTopics.parse("$aws/things/t-1/shadow/update/delta");
        assertEquals(new ShadowKey("t-1", ""), r.key);
        assertEquals("update", r.operation);
        assertEquals("delta", r.kind);
        r = ShadowTopics.parse("$aws/things/t/shadow/name/cfg/get/rejected");
        assertEquals(new ShadowKey("t", "cfg"), r.key);
        assertEquals(ShadowOperation.GET, r.op());
        assertEquals("rejected", r.kind);
        assertEquals("documents", ShadowTopics.parse("$aws/things/t/shadow/name/cfg/update/documents").kind);

        assertNull(ShadowTopics.parse("$aws/things/t/shadow/update"), "a request, not a reply");
        assertNull(ShadowTopics.parse("$aws/things/t/shadow/name/cfg/update"));
        assertNull(ShadowTopics.parse("$aws/things/t/shadow/get/delta"));
        assertNull(ShadowTopics.parse("$aws/things/t/shadow/name/cfg"));
        assertNull(ShadowTopics.parse("$aws/things/t/jobs/get/accepted"));
        assertNull(ShadowTopics.parse("plant/line1/shadow/get/accepted"));
        assertNull(ShadowTopics.parse("$aws/things//shadow/get/accepted"));
        assertNull(ShadowTopics.parse("$aws/things/t/shadow/name//get/accepted"));
    }

    @Test
    void mqttMatching() {
        assertTrue(ShadowTopics.matches("$aws/things/+/shadow/+/+", "$aws/things/t/shadow/get/accepted"));
        assertFalse(ShadowTopics.matches("$aws/things/+/shadow/+/+", "$aws/things/t/shadow/update"));
        assertFalse(ShadowTopics.matches("$aws/things/+/shadow/+/+", "$aws/things/t/shadow/name/s/update/delta"));
        assertTrue(ShadowTopics.matches("$aws/things/+/shadow/name/+/+/+", "$aws/things/t/shadow/name/s/update/delta"));
        assertFalse(ShadowTopics.matches("$aws/things/+/shadow/name/+/+/+", "$aws/things/t/shadow/name/s/update"));
        assertTrue(ShadowTopics.matches("$aws/things/t/#", "$aws/things/t/shadow/get/accepted"));
        assertFalse(ShadowTopics.matches("#", "$aws/things/t/shadow/get/accepted"));
        assertFalse(ShadowTopics.matches("+/things/t", "$aws/things/t"));
        assertTrue(ShadowTopics.matches("a/b", "a/b"));
        assertFalse(ShadowTopics.matches("a/b", "a/b/c"));
    }
}
