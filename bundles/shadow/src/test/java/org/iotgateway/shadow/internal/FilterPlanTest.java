package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.iotgateway.shadow.internal.FilterPlan.Level;
import org.junit.jupiter.api.Test;

class FilterPlanTest {

    private static List<ShadowKey> keys(int things, String... shadows) {
        List<ShadowKey> out = new ArrayList<>();
        for (int i = 0; i < things; i++) {
            for (String s : shadows) {
                out.add(new ShadowKey("t" + i, s));
            }
        }
        return out;
    }

    @Test
    void fewShadowsGetOneExactFilterEach() {
        FilterPlan p = FilterPlan.plan(List.of(new ShadowKey("t", ""), new ShadowKey("t", "cfg")), 20, null);
        assertEquals(Level.SHADOW, p.level);
        assertEquals(Set.of("$aws/things/t/shadow/+/+", "$aws/things/t/shadow/name/cfg/+/+"), p.filters);
    }

    @Test
    void manyNamedShadowsOfOneThingShareAThingFilter() {
        List<ShadowKey> k = new ArrayList<>(keys(1, ""));
        for (int i = 0; i < 30; i++) {
            k.add(new ShadowKey("t0", "s" + i));
        }
        FilterPlan p = FilterPlan.plan(k, 20, null);
        assertEquals(Level.THING, p.level);
        assertEquals(Set.of("$aws/things/t0/shadow/+/+", "$aws/things/t0/shadow/name/+/+/+"), p.filters);
    }

    @Test
    void twoHundredShadowsNeedTwoFilters() {
        FilterPlan p = FilterPlan.plan(keys(100, "", "cfg"), FilterPlan.DEFAULT_BUDGET, null);
        assertEquals(Level.GLOBAL, p.level);
        assertEquals(Set.of(FilterPlan.GLOBAL_CLASSIC, FilterPlan.GLOBAL_NAMED), p.filters);
        assertEquals(Set.of(FilterPlan.GLOBAL_CLASSIC), FilterPlan.plan(keys(200, ""), 20, null).filters);
        for (ShadowKey k : keys(100, "", "cfg")) {
            assertTrue(p.filters.stream().anyMatch(f -> FilterPlan.covers(f, k)), k.toString());
        }
    }

    @Test
    void theBudgetIsNeverExceeded() {
        for (int n = 0; n < 120; n++) {
            for (Level previous : new Level[] { null, Level.SHADOW, Level.THING, Level.GLOBAL }) {
                FilterPlan p = FilterPlan.plan(keys(n, "", "a", "b"), 20, previous);
                assertTrue(p.filters.size() <= 20, n + " things: " + p.filters.size());
                for (ShadowKey k : keys(n, "", "a", "b")) {
                    assertTrue(p.filters.stream().anyMatch(f -> FilterPlan.covers(f, k)), k + " not covered");
                }
            }
        }
    }

    @Test
    void movingBackToFinerFiltersWaitsUntilHalfTheBudgetIsEnough() {
        assertEquals(Level.GLOBAL, FilterPlan.plan(keys(15, ""), 20, Level.GLOBAL).level, "15 > 20/2");
        assertEquals(Level.SHADOW, FilterPlan.plan(keys(10, ""), 20, Level.GLOBAL).level);
        assertEquals(Level.SHADOW, FilterPlan.plan(keys(15, ""), 20, null).level);
        // 1 thing, 15 named shadows: SHADOW would need 15 > 10, THING needs 1
        List<ShadowKey> named = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            named.add(new ShadowKey("t", "s" + i));
        }
        assertEquals(Level.THING, FilterPlan.plan(named, 20, Level.GLOBAL).level);
        assertEquals(Level.SHADOW, FilterPlan.plan(named, 20, null).level);
    }
}
