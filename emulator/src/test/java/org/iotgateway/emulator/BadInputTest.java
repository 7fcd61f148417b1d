package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/** Hostile and broken input: documented rejections or logged drops, never broken state or a broken broker. */
class BadInputTest extends EmulatorTestBase {

    private static void assertStillServing(TestClient c) {
        String thing = unique("alive");
        String prefix = "$aws/things/" + thing + "/shadow";
        c.subscribe(prefix + "/update/accepted");
        c.publish(prefix + "/update", "{\"state\":{\"reported\":{\"ok\":1}},\"clientToken\":\"alive\"}");
        assertEquals(1, c.awaitToken(prefix + "/update/accepted", "alive").get("version").asInt());
    }

    @Test
    void malformedAndWronglyTypedDocumentsAreRejectedAndChangeNothing() {
        String thing = unique("bad");
        String prefix = "$aws/things/" + thing + "/shadow";
        emulator.setReported(thing, null, "{\"keep\":\"me\"}");
        TestClient c = client(prefix + "/update/rejected", prefix + "/get/rejected");
        String[] broken = {
            "", "   ", "null", "[1,2]", "\"state\"", "{\"state\":{\"reported\":{\"a\":1}}} trailing",
            "{\"state\":{\"reported\":{\"a\":1,\"a\":2}}}", "{\"state\":{\"reported\":{\"a\":NaN}}}",
            "[".repeat(5000) + "]".repeat(5000),
        };
        for (String payload : broken) {
            c.publish(prefix + "/update", payload);
            JsonNode rej = c.await(prefix + "/update/rejected");
            assertEquals(400, rej.get("code").asInt(), payload.length() > 60 ? "deep" : payload);
            assertEquals("Invalid JSON", rej.get("message").asText());
        }
        String[][] typed = {
            {"{\"state\":[],\"clientToken\":\"t1\"}", "State node must be an object"},
            {"{\"state\":{\"desired\":true},\"clientToken\":\"t2\"}", "Desired node must be an object"},
            {"{\"state\":{\"reported\":1},\"clientToken\":\"t3\"}", "Reported node must be an object"},
            {"{\"state\":{\"reported\":{}},\"version\":-1,\"clientToken\":\"t4\"}", "Invalid version"},
            {"{\"state\":{\"reported\":{}},\"version\":{},\"clientToken\":\"t5\"}", "Invalid version"},
        };
        for (String[] t : typed) {
            c.publish(prefix + "/update", t[0]);
            JsonNode rej = c.await(prefix + "/update/rejected");
            assertEquals(t[1], rej.get("message").asText());
        }
        c.publish(prefix + "/get", "{oops");
        assertEquals(400, c.await(prefix + "/get/rejected").get("code").asInt());

        JsonNode doc = json(emulator.shadow(thing, null).orElseThrow());
        assertEquals(1, doc.get("version").asInt());
        assertEquals(json("{\"keep\":\"me\"}"), doc.at("/state/reported"));
    }

    @Test
    void hostileThingAndShadowNamesAreRejected() {
        TestClient c = client("$aws/things/+/shadow/#", "$aws/things/+/jobs/#");
        String spaced = "bad name";
        c.subscribe("$aws/things/" + spaced + "/shadow/update/rejected");
        c.publish("$aws/things/" + spaced + "/shadow/update", "{\"state\":{},\"clientToken\":\"n1\"}");
        JsonNode rej = c.awaitToken("$aws/things/" + spaced + "/shadow/update/rejected", "n1");
        assertEquals(400, rej.get("code").asInt());
        assertTrue(rej.get("message").asText().startsWith("Invalid thing name"));

        String tooLong = "t".repeat(129);
        c.publish("$aws/things/" + tooLong + "/shadow/get", "{\"clientToken\":\"n2\"}");
        assertEquals(400, c.awaitToken("$aws/things/" + tooLong + "/shadow/get/rejected", "n2").get("code").asInt());

        String thing = unique("named");
        String longShadow = "s".repeat(65);
        c.publish("$aws/things/" + thing + "/shadow/name/" + longShadow + "/update",
                "{\"state\":{},\"clientToken\":\"n3\"}");
        JsonNode rej3 = c.awaitToken("$aws/things/" + thing + "/shadow/name/" + longShadow + "/update/rejected", "n3");
        assertTrue(rej3.get("message").asText().startsWith("Invalid shadow name"));

        String accented = "caf\u00e9";
        c.publish("$aws/things/" + accented + "/jobs/get", "{\"clientToken\":\"n4\"}");
        JsonNode jobsRej = c.awaitToken("$aws/things/" + accented + "/jobs/get/rejected", "n4");
        assertEquals("InvalidRequest", jobsRej.get("code").asText());

        assertThrows(IllegalArgumentException.class, () -> emulator.shadow("no/slash", null));
        assertThrows(IllegalArgumentException.class, () -> emulator.setDesired("ok", "bad shadow", "{}"));
        assertThrows(IllegalArgumentException.class, () -> emulator.createJob("j", "{}", "x".repeat(200)));
    }

    @Test
    void unknownAwsTopicsAreDroppedQuietly() {
        String thing = unique("unknown");
        TestClient c = client("$aws/things/" + thing + "/#", "$aws/events/#");
        String[] topics = {
            "$aws/things/" + thing + "/shadow/bogus",
            "$aws/things/" + thing + "/shadow/name",
            "$aws/things/" + thing + "/shadow/name/x/y/z/w",
            "$aws/things/" + thing + "/tunnels/notify",
            "$aws/events/presence/connected/x",
            "$aws/rules/myrule",
            "$aws/things/" + thing + "/shadow/update/accepted",
            "$aws/things/" + thing + "/jobs/notify-next",
        };
        for (String t : topics) {
            c.publish(t, "{\"clientToken\":\"drop\"}");
        }
        // only the echoes of what was published arrive: no reply on any /rejected or /accepted topic
        c.expectNothing("$aws/things/" + thing + "/shadow/bogus/rejected", Duration.ofMillis(300));
        for (TestClient.Received r : c.drainAll()) {
            boolean echo = java.util.Arrays.asList(topics).contains(r.topic());
            assertTrue(echo, "unexpected reply " + r);
        }
        assertStillServing(c);
    }

    @Test
    void oversizedMessagesCostOnlyTheSenderItsConnection() throws Exception {
        TestClient bystander = client();
        MqttClient sender = new MqttClient(emulator.mqttUrl(), unique("flood"), new MemoryPersistence());
        sender.setTimeToWait(5000);
        sender.connect();
        try {
            byte[] huge = new byte[700 * 1024];
            java.util.Arrays.fill(huge, (byte) 'x');
            try {
                sender.publish("$aws/things/" + unique("huge") + "/shadow/update", huge, 1, false);
            } catch (MqttException expected) {
                // the broker refuses messages over its limit by closing the connection
            }
            long deadline = System.currentTimeMillis() + 5000;
            while (sender.isConnected() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(!sender.isConnected(), "the broker dropped the sender");
        } finally {
            sender.close(true);
        }
        assertStillServing(bystander);
    }

    @Test
    void jobsRejectWrongTypesWithoutTouchingTheExecution() {
        String thing = unique("jobbad");
        String prefix = "$aws/things/" + thing + "/jobs";
        emulator.createJob(thing + "-j", "{\"x\":1}", thing);
        TestClient c = client(prefix + "/+/update/rejected", prefix + "/start-next/rejected");
        String[] bodies = {
            "{\"status\":5,\"clientToken\":\"a\"}",
            "{\"status\":\"IN_PROGRESS\",\"statusDetails\":[1],\"clientToken\":\"b\"}",
            "{\"status\":\"IN_PROGRESS\",\"includeJobDocument\":\"maybe\",\"clientToken\":\"c\"}",
            "{\"status\":\"IN_PROGRESS\",\"executionNumber\":1.5,\"clientToken\":\"d\"}",
            "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":999999,\"clientToken\":\"e\"}",
        };
        for (String b : bodies) {
            c.publish(prefix + "/" + thing + "-j/update", b);
            String token = json(b).get("clientToken").asText();
            JsonNode rej = c.awaitToken(prefix + "/" + thing + "-j/update/rejected", token);
            assertEquals("InvalidRequest", rej.get("code").asText(), b);
        }
        c.publish(prefix + "/start-next", "[]");
        assertEquals("InvalidJson", c.await(prefix + "/start-next/rejected").get("code").asText());
        JobExecution e = emulator.jobExecution(thing, thing + "-j").orElseThrow();
        assertEquals("QUEUED", e.status());
        assertEquals(1, e.versionNumber());
    }
}
