package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.iotgateway.api.QoS;
import org.junit.jupiter.api.Test;

class ShadowSettingsTest {

    @Test
    void defaults() {
        ShadowSettings s = ShadowSettings.from(Map.of("thing.name", "gw-1"));
        assertEquals("gw-1", s.thingName());
        assertEquals("", s.shadowName());
        assertTrue(s.persistent);
        assertEquals(QoS.AT_LEAST_ONCE, s.qos);
        assertEquals(Duration.ofSeconds(10), s.operationTimeout);
        assertEquals(10, s.maxInflight);
    }

    @Test
    void stringValuesFromCfgFilesAreRead() {
        Map<String, Object> p = new HashMap<>();
        p.put("thing.name", " gw-1 ");
        p.put("shadow.name", "config");
        p.put("persistent.subscriptions", "false");
        p.put("qos", "0");
        p.put("operation.timeout", "3");
        p.put("max.inflight", 5);
        ShadowSettings s = ShadowSettings.from(p);
        assertEquals("gw-1", s.thingName());
        assertEquals("config", s.shadowName());
        assertFalse(s.persistent);
        assertEquals(QoS.AT_MOST_ONCE, s.qos);
        assertEquals(Duration.ofSeconds(3), s.operationTimeout);
        assertEquals(5, s.maxInflight);
    }

    private static InvalidSettingException invalid(String key, Object value) {
        Map<String, Object> p = new HashMap<>();
        p.put("thing.name", "gw-1");
        p.put(key, value);
        return assertThrows(InvalidSettingException.class, () -> ShadowSettings.from(p));
    }

    @Test
    void everyInvalidValueNamesItsProperty() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ShadowSettings.from(Map.of()));
        assertEquals("thing.name", e.property());
        assertEquals("thing.name: thing name is empty", e.getMessage());
        e = invalid("thing.name", "plant/#");
        assertEquals("thing.name", e.property());
        assertTrue(e.getMessage().contains("topic separator '/'"), e.getMessage());
        e = invalid("thing.name", "x".repeat(129));
        assertTrue(e.getMessage().contains("at most 128"), e.getMessage());
        e = invalid("shadow.name", "+");
        assertEquals("shadow.name", e.property());
        assertTrue(e.getMessage().contains("MQTT wildcard '+'"), e.getMessage());
        e = invalid("shadow.name", "s".repeat(65));
        assertTrue(e.getMessage().contains("at most 64"), e.getMessage());
        assertEquals("qos", invalid("qos", 2).property());
        assertTrue(invalid("qos", 2).getMessage().contains("use 0 or 1"));
        assertEquals("qos", invalid("qos", "one").property());
        assertEquals("operation.timeout", invalid("operation.timeout", 0).property());
        assertEquals("max.inflight", invalid("max.inflight", 0).property());
        assertEquals("max.inflight", invalid("max.inflight", 1001).property());
        assertEquals("persistent.subscriptions", invalid("persistent.subscriptions", "yes").property());
        assertEquals("shadow.name", invalid("shadow.name", new String[] { "a", "b" }).property());
    }
}
