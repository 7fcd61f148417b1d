package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.junit.jupiter.api.Test;

class HandlerRegistryTest {

    private static JobHandler handler() {
        return (e, c) -> JobOutcome.succeeded();
    }

    @Test
    void exactOperationBeatsWildcardThenRankingThenAge() {
        HandlerRegistry r = new HandlerRegistry();
        JobHandler any = handler();
        JobHandler old = handler();
        JobHandler young = handler();
        JobHandler ranked = handler();
        r.add("any", any, List.of("*"), List.of(), 100, 1);
        assertSame(any, r.find("reboot", "t").handler);
        r.add("old", old, List.of("reboot"), List.of(), 0, 2);
        r.add("young", young, List.of("reboot", "update"), List.of(), 0, 3);
        assertSame(old, r.find("reboot", "t").handler);
        assertSame(young, r.find("update", "t").handler);
        r.add("ranked", ranked, List.of("reboot"), List.of(), 5, 4);
        assertSame(ranked, r.find("reboot", "t").handler);
        r.remove("ranked");
        assertSame(old, r.find("reboot", "t").handler);
        assertSame(any, r.find("other", "t").handler);
    }

    @Test
    void thingRestriction() {
        HandlerRegistry r = new HandlerRegistry();
        JobHandler h = handler();
        r.add("h", h, List.of("op"), List.of("gw-1", "gw-2"), 0, 1);
        assertSame(h, r.find("op", "gw-2").handler);
        assertNull(r.find("op", "gw-3"));
    }

    @Test
    void replacingUnderTheSameKeyAndListeners() {
        HandlerRegistry r = new HandlerRegistry();
        AtomicInteger changes = new AtomicInteger();
        r.addListener(changes::incrementAndGet);
        JobHandler h = handler();
        assertTrue(r.add("k", h, List.of("a"), List.of(), 0, 1));
        HandlerRegistry.Entry first = r.find("a", "t");
        assertTrue(r.add("k", h, List.of("b"), List.of(), 0, 1));
        assertNull(r.find("a", "t"));
        assertFalse(r.contains(first));
        assertFalse(r.add("k", h, List.of(" ", ""), List.of(), 0, 1), "no operations: ignored");
        assertNull(r.find("b", "t"));
        r.remove("missing");
        assertEquals(3, changes.get());
    }

    @Test
    void propertyValues() {
        assertEquals(List.of("a"), HandlerRegistry.strings(" a "));
        assertEquals(List.of("a", "b"), HandlerRegistry.strings(new String[] { "a", "", "b" }));
        assertEquals(List.of("1", "x"), HandlerRegistry.strings(List.of(1, "x")));
        assertEquals(List.of(), HandlerRegistry.strings(null));
        assertEquals(List.of(), HandlerRegistry.strings(42));
    }
}
