package org.iotgateway.shadow.internal;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Which MQTT topic filters cover a set of shadows on one connection, within a subscription budget.
 * <p>
 * Three granularities, all matching only reply topics (never the request topics the gateway
 * publishes itself, so requests are not echoed back):
 * <ol>
 * <li>{@link Level#SHADOW}: one filter per shadow, {@code <prefix>/+/+}, e.g.
 * {@code $aws/things/t/shadow/name/config/+/+}. Exact: receives nothing but that shadow's replies, and a
 * device policy granting {@code $aws/things/t/shadow/*} (or narrower) allows it.</li>
 * <li>{@link Level#THING}: per thing, {@code $aws/things/t/shadow/+/+} for its classic shadow and
 * {@code $aws/things/t/shadow/name/+/+/+} for all its named shadows: at most 2 filters per thing.</li>
 * <li>{@link Level#GLOBAL}: {@code $aws/things/+/shadow/+/+} and {@code $aws/things/+/shadow/name/+/+/+}:
 * at most 2 filters for any number of shadows; the policy must allow these filters, and the connection
 * receives the replies of every shadow the policy lets it receive (routed and ignored if unknown).</li>
 * </ol>
 * The finest level whose filter count fits the budget is used. To avoid flapping while shadows come
 * and go, a plan moves back to a finer level only when that level needs at most half the budget.
 */
final class FilterPlan {

    /** Granularity of the filters. */
    enum Level {
        SHADOW, THING, GLOBAL
    }

    /** Shadow filters one connection uses at most before coarser filters are used (AWS allows 50 in all). */
    static final int DEFAULT_BUDGET = 20;

    static final String GLOBAL_CLASSIC = "$aws/things/+/shadow/+/+";
    static final String GLOBAL_NAMED = "$aws/things/+/shadow/name/+/+/+";

    final Level level;
    final Set<String> filters;

    private FilterPlan(Level level, Set<String> filters) {
        this.level = level;
        this.filters = filters;
    }

    /**
     * @param shadows  the shadows that need to receive replies
     * @param budget   filters allowed at most (at least 2)
     * @param previous the level in use, or {@code null}
     * @return the plan
     */
    static FilterPlan plan(Collection<ShadowKey> shadows, int budget, Level previous) {
        Set<String> shadowLevel = filters(shadows, Level.SHADOW);
        Set<String> thingLevel = filters(shadows, Level.THING);
        Level level;
        if (shadowLevel.size() <= budget) {
            level = Level.SHADOW;
        } else if (thingLevel.size() <= budget) {
            level = Level.THING;
        } else {
            level = Level.GLOBAL;
        }
        // hysteresis: stay coarse until the finer level fits in half the budget
        if (previous != null && previous.ordinal() > level.ordinal()) {
            Level stay = level;
            for (Level l = level; l.ordinal() < previous.ordinal(); l = Level.values()[l.ordinal() + 1]) {
                int count = l == Level.SHADOW ? shadowLevel.size() : thingLevel.size();
                if (count <= budget / 2) {
                    break;
                }
                stay = Level.values()[l.ordinal() + 1];
            }
            level = stay;
        }
        Set<String> chosen = level == Level.SHADOW ? shadowLevel : level == Level.THING ? thingLevel : filters(shadows, Level.GLOBAL);
        return new FilterPlan(level, chosen);
    }

    static Set<String> filters(Collection<ShadowKey> shadows, Level level) {
        Set<String> out = new LinkedHashSet<>();
        for (ShadowKey k : shadows) {
            out.add(filter(k, level));
        }
        return out;
    }

    /** @return the filter covering a shadow at a level */
    static String filter(ShadowKey k, Level level) {
        switch (level) {
            case SHADOW:
                return k.prefix + "/+/+";
            case THING:
                return k.classic() ? k.prefix + "/+/+" : "$aws/things/" + k.thing + "/shadow/name/+/+/+";
            default:
                return k.classic() ? GLOBAL_CLASSIC : GLOBAL_NAMED;
        }
    }

    /** @return whether a filter receives a shadow's replies */
    static boolean covers(String filter, ShadowKey key) {
        return ShadowTopics.matches(filter, key.probe);
    }
}
