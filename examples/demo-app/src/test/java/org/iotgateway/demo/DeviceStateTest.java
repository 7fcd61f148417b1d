package org.iotgateway.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DeviceStateTest {

    @Test
    void appliesAndReportsWhatItUnderstands() {
        DeviceState s = new DeviceState(5);
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("led", "on");
        desired.put("telemetryInterval", 2);
        DeviceState.Applied a = s.apply(desired);
        assertEquals(List.of("led off -> on", "telemetry interval 5 s -> 2 s"), a.changes);
        assertEquals(Map.of("led", "on", "telemetryInterval", 2), a.reported);
        assertTrue(a.refused.isEmpty());
        assertTrue(s.ledOn());
        assertEquals(2, s.intervalSeconds());
    }

    @Test
    void sameValueIsReportedWithoutChange() {
        DeviceState s = new DeviceState(5);
        DeviceState.Applied a = s.apply(Map.of("led", "off"));
        assertTrue(a.changes.isEmpty());
        assertEquals(Map.of("led", "off"), a.reported);
    }

    @Test
    void refusesMalformedHostileAndUnknownValues() {
        DeviceState s = new DeviceState(5);
        Map<String, Object> desired = new LinkedHashMap<>();
        desired.put("led", "blink\u001b[2J");
        desired.put("telemetryInterval", 0);
        desired.put("x".repeat(100), true);
        DeviceState.Applied a = s.apply(desired);
        assertTrue(a.changes.isEmpty());
        assertTrue(a.reported.isEmpty());
        assertEquals(3, a.refused.size());
        assertEquals("led=blink?[2J (expected \"on\" or \"off\")", a.refused.get(0));
        assertTrue(a.refused.get(1).startsWith("telemetryInterval=0 "));
        assertEquals("x".repeat(40) + "... (not a setting of this device)", a.refused.get(2));
        assertEquals(5, s.intervalSeconds());
    }

    @Test
    void secondsAcceptsOnlyWholeSecondsInRange() {
        assertEquals(2, DeviceState.seconds(2));
        assertEquals(60, DeviceState.seconds("60"));
        assertEquals(3600, DeviceState.seconds(3600L));
        assertNull(DeviceState.seconds(3601));
        assertNull(DeviceState.seconds(-1));
        assertNull(DeviceState.seconds(1.5));
        assertNull(DeviceState.seconds("1e3"));
        assertNull(DeviceState.seconds("99999999999999999999"));
        assertNull(DeviceState.seconds(Long.MAX_VALUE));
        assertNull(DeviceState.seconds(null));
        assertNull(DeviceState.seconds(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new DeviceState(0));
    }
}
