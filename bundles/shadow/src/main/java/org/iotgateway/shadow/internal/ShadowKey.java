package org.iotgateway.shadow.internal;

import java.util.Objects;

/**
 * A shadow's identity on the wire: thing name and shadow name ({@code ""} for the classic shadow),
 * both already validated.
 */
final class ShadowKey {

    final String thing;
    final String shadow;
    /** {@code $aws/things/{thing}/shadow} or {@code $aws/things/{thing}/shadow/name/{shadow}} */
    final String prefix;
    /** A reply topic of the shadow, to test whether a filter covers it. */
    final String probe;

    ShadowKey(String thing, String shadow) {
        this.thing = Objects.requireNonNull(thing);
        this.shadow = shadow == null ? "" : shadow;
        this.prefix = this.shadow.isEmpty() ? "$aws/things/" + thing + "/shadow"
                : "$aws/things/" + thing + "/shadow/name/" + this.shadow;
        this.probe = prefix + "/update/accepted";
    }

    boolean classic() {
        return shadow.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShadowKey && ((ShadowKey) o).thing.equals(thing) && ((ShadowKey) o).shadow.equals(shadow);
    }

    @Override
    public int hashCode() {
        return thing.hashCode() * 31 + shadow.hashCode();
    }

    @Override
    public String toString() {
        return shadow.isEmpty() ? thing : thing + "/" + shadow;
    }

    /** @return "the classic shadow of thing 'x'" or "shadow 'y' of thing 'x'" */
    String describe() {
        return shadow.isEmpty() ? "the classic shadow of thing '" + thing + "'" : "shadow '" + shadow + "' of thing '" + thing + "'";
    }
}
