package org.iotgateway.api.discovery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A Greengrass core in a discovery answer: its thing ARN and the connectivity entries a client tries in order.
 * Immutable.
 */
public final class GreengrassCore {

    private final String thingArn;
    private final List<ConnectivityInfo> connectivity;

    /**
     * @param thingArn     the core's thing ARN, e.g. {@code arn:aws:iot:eu-west-1:123456789012:thing/core-1}
     * @param connectivity its connectivity entries in the service's order (copied)
     * @throws IllegalArgumentException for an empty ARN or a {@code null} entry
     */
    public GreengrassCore(String thingArn, List<ConnectivityInfo> connectivity) {
        if (thingArn == null || thingArn.trim().isEmpty()) {
            throw new IllegalArgumentException("a core without thing ARN");
        }
        this.thingArn = thingArn.trim();
        this.connectivity = copy(connectivity, "connectivity entry of core " + thingArn);
    }

    static <T> List<T> copy(List<T> list, String what) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(list.size());
        for (T t : list) {
            if (t == null) {
                throw new IllegalArgumentException("null " + what);
            }
            copy.add(t);
        }
        return Collections.unmodifiableList(copy);
    }

    /** @return the core's thing ARN */
    public String thingArn() {
        return thingArn;
    }

    /**
     * @return the core's thing name: the part of the ARN after {@code :thing/}, or the whole ARN when it has no such
     *         part
     */
    public String thingName() {
        int i = thingArn.lastIndexOf(":thing/");
        return i < 0 ? thingArn : thingArn.substring(i + ":thing/".length());
    }

    /** @return the connectivity entries, in the order the service sent them (unmodifiable) */
    public List<ConnectivityInfo> connectivity() {
        return connectivity;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GreengrassCore)) {
            return false;
        }
        GreengrassCore c = (GreengrassCore) o;
        return thingArn.equals(c.thingArn) && connectivity.equals(c.connectivity);
    }

    @Override
    public int hashCode() {
        return Objects.hash(thingArn, connectivity);
    }

    @Override
    public String toString() {
        return "GreengrassCore[" + thingArn + ", " + connectivity + "]";
    }
}
