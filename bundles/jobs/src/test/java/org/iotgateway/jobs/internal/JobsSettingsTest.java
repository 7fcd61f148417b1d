package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.iotgateway.api.QoS;
import org.junit.jupiter.api.Test;

class JobsSettingsTest {

    private static JobsSettings settings(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return JobsSettings.from(ConfigProxy.jobs(m));
    }

    private static String error(Object... kv) {
        return assertThrows(InvalidConfigurationException.class, () -> settings(kv)).getMessage();
    }

    @Test
    void defaults() {
        JobsSettings s = settings("thing.name", "gw-1");
        assertEquals("gw-1", s.thingName);
        assertTrue(s.autoExecute);
        assertEquals(0, s.stepTimeoutMinutes);
        assertEquals(QoS.AT_LEAST_ONCE, s.qos);
        assertEquals(Duration.ofSeconds(30), s.operationTimeout);
        assertEquals(Duration.ofSeconds(30), s.handlerWait);
        assertEquals(Duration.ofSeconds(60), s.cancelWait);
        assertEquals(JobsSettings.SubscriptionMode.THING, s.subscriptions);
    }

    @Test
    void valuesAsStringsOrNumbers() {
        JobsSettings s = settings("thing.name", " gw:1_a-b ", "auto.execute", "false", "step.timeout", "15", "qos", 0,
                "operation.timeout", 5, "handler.wait", "0", "subscriptions", "SHARED");
        assertEquals("gw:1_a-b", s.thingName);
        assertFalse(s.autoExecute);
        assertEquals(15, s.stepTimeoutMinutes);
        assertEquals(QoS.AT_MOST_ONCE, s.qos);
        assertEquals(Duration.ofSeconds(5), s.operationTimeout);
        assertEquals(Duration.ZERO, s.handlerWait);
        assertEquals(JobsSettings.SubscriptionMode.SHARED, s.subscriptions);
    }

    @Test
    void thingNameRules() {
        assertEquals("thing.name: is required", error());
        assertEquals("thing.name: is required", error("thing.name", "  "));
        assertTrue(error("thing.name", "gw 1").startsWith("thing.name: 'gw 1' is not a valid AWS IoT thing name"));
        assertTrue(error("thing.name", "gw/1").startsWith("thing.name:"));
        assertTrue(error("thing.name", "gw+").startsWith("thing.name:"));
        assertTrue(error("thing.name", "x".repeat(129)).startsWith("thing.name:"));
        assertEquals(128, settings("thing.name", "x".repeat(128)).thingName.length());
    }

    @Test
    void invalidValuesNameTheProperty() {
        assertTrue(error("thing.name", "t", "step.timeout", -1).startsWith("step.timeout:"));
        assertTrue(error("thing.name", "t", "step.timeout", 10081).startsWith("step.timeout:"));
        assertTrue(error("thing.name", "t", "qos", 2).startsWith("qos: 2 is not supported"));
        assertTrue(error("thing.name", "t", "operation.timeout", 0).startsWith("operation.timeout:"));
        assertTrue(error("thing.name", "t", "handler.wait", -5).startsWith("handler.wait:"));
        assertTrue(error("thing.name", "t", "cancel.wait", -5).startsWith("cancel.wait:"));
        assertTrue(error("thing.name", "t", "subscriptions", "all").startsWith("subscriptions:"));
        assertEquals("qos: 'one' is not a whole number", error("thing.name", "t", "qos", "one"));
    }

    @Test
    void whatNeedsANewEngine() {
        JobsSettings s = settings("thing.name", "t");
        assertFalse(s.needsNewEngine(settings("thing.name", "t", "auto.execute", false, "step.timeout", 3)));
        assertTrue(s.needsNewEngine(settings("thing.name", "u")));
        assertTrue(s.needsNewEngine(settings("thing.name", "t", "qos", 0)));
        assertTrue(s.needsNewEngine(settings("thing.name", "t", "subscriptions", "shared")));
    }
}
