package org.iotgateway.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.QoS;
import org.junit.jupiter.api.Test;

class LoadPlanTest {

    /** A configuration with the OCD's defaults, some values overridden (keys are the method names). */
    private static LoadConfig config(Map<String, Object> overrides) {
        return (LoadConfig) Proxy.newProxyInstance(LoadConfig.class.getClassLoader(), new Class<?>[] { LoadConfig.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return LoadConfig.class;
                    }
                    return overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                            : method.getDefaultValue();
                });
    }

    private static String refused(Map<String, Object> overrides) {
        return assertThrows(IllegalArgumentException.class, () -> LoadPlan.of(config(overrides))).getMessage();
    }

    @Test
    void offByDefault() {
        LoadPlan p = LoadPlan.of(config(Map.of()));
        assertTrue(p.off());
        assertEquals(0, p.dueAfter(TimeUnit.SECONDS.toNanos(10)));
    }

    @Test
    void topicNamesTheThingAndSettingsAreKept() {
        LoadPlan p = LoadPlan.of(config(Map.of("rate", 1000, "thing_name", "press-7", "qos", 0, "payload_size", 16384)));
        assertFalse(p.off());
        assertEquals("dt/press-7/load", p.topic);
        assertEquals(QoS.AT_MOST_ONCE, p.qos);
        assertEquals(16384, p.payloadSize);
        assertEquals(5000, p.delayMillis);
    }

    @Test
    void pacedByElapsedTimeWithoutDrift() {
        LoadPlan p = LoadPlan.of(config(Map.of("rate", 1000)));
        assertEquals(0, p.dueAfter(0));
        assertEquals(0, p.dueAfter(TimeUnit.MICROSECONDS.toNanos(999)));
        assertEquals(1, p.dueAfter(TimeUnit.MILLISECONDS.toNanos(1)));
        assertEquals(1500, p.dueAfter(TimeUnit.MILLISECONDS.toNanos(1500)));
        assertEquals(60_000, p.dueAfter(TimeUnit.SECONDS.toNanos(60)));
        // a year at the highest rate does not overflow
        assertEquals(365L * 86400 * LoadPlan.MAX_RATE,
                LoadPlan.of(config(Map.of("rate", LoadPlan.MAX_RATE))).dueAfter(TimeUnit.DAYS.toNanos(365)));
        assertFalse(p.finished(TimeUnit.DAYS.toNanos(365)), "duration 0 runs until stopped");
    }

    @Test
    void durationCapsTheTotal() {
        LoadPlan p = LoadPlan.of(config(Map.of("rate", 200, "duration", 60)));
        assertEquals(12_000, p.dueAfter(TimeUnit.SECONDS.toNanos(61)));
        assertFalse(p.finished(TimeUnit.SECONDS.toNanos(59)));
        assertTrue(p.finished(TimeUnit.SECONDS.toNanos(60)));
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheSetting() {
        assertEquals("load generator: rate must be 0-100000 msgs/s, got -1", refused(Map.of("rate", -1)));
        assertEquals("load generator: rate must be 0-100000 msgs/s, got 2147483647",
                refused(Map.of("rate", Integer.MAX_VALUE)));
        assertEquals("load generator: payload.size must be 0-131072 bytes, got 131073",
                refused(Map.of("rate", 1, "payload_size", 131073)));
        assertEquals("load generator: payload.size must be 0-131072 bytes, got -5",
                refused(Map.of("rate", 1, "payload_size", -5)));
        assertEquals("load generator: qos must be 0 or 1, got 2", refused(Map.of("rate", 1, "qos", 2)));
        assertEquals("load generator: delay must be 0 or more seconds, got -3", refused(Map.of("delay", -3)));
        assertEquals("load generator: duration must be 0 (until stopped) or more seconds, got -1",
                refused(Map.of("duration", -1)));
        assertEquals("load generator: max.outstanding must be at least 1, got 0", refused(Map.of("max_outstanding", 0)));
    }

    @Test
    void hostileTopicsAreRefused() {
        assertEquals("load generator: topic is empty", refused(Map.of("topic", "   ")));
        assertEquals("load generator: topic 'dt/gateway-1/#' contains a wildcard (+ or #); a publish needs a plain topic",
                refused(Map.of("topic", "dt/{thing}/#")));
        assertEquals("load generator: topic 'dt/+/load' contains a wildcard (+ or #); a publish needs a plain topic",
                refused(Map.of("topic", "dt/+/load")));
        assertEquals("load generator: topic 'dt/{thing}/load' uses {thing} but thing.name is empty",
                refused(Map.of("thing_name", "")));
    }
}
