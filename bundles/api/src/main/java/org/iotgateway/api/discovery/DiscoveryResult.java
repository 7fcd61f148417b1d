package org.iotgateway.api.discovery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer of Greengrass discovery for one thing: the groups it belongs to, each with its cores and their
 * connectivity entries, all in the order the service sent them. Immutable.
 */
public final class DiscoveryResult {

    private final String thingName;
    private final List<GreengrassGroup> groups;

    /**
     * @param thingName the thing discovery ran for
     * @param groups    the groups in the service's order (copied)
     * @throws IllegalArgumentException for a {@code null} group
     */
    public DiscoveryResult(String thingName, List<GreengrassGroup> groups) {
        this.thingName = Objects.requireNonNull(thingName, "thingName");
        this.groups = GreengrassCore.copy(groups, "group");
    }

    /** @return the thing discovery ran for */
    public String thingName() {
        return thingName;
    }

    /** @return the groups, in the order the service sent them (unmodifiable; empty if the service listed none) */
    public List<GreengrassGroup> groups() {
        return groups;
    }

    /**
     * @param groupId a group id
     * @return the first group with this id
     */
    public Optional<GreengrassGroup> group(String groupId) {
        for (GreengrassGroup g : groups) {
            if (g.groupId().equals(groupId)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DiscoveryResult)) {
            return false;
        }
        DiscoveryResult r = (DiscoveryResult) o;
        return thingName.equals(r.thingName) && groups.equals(r.groups);
    }

    @Override
    public int hashCode() {
        return Objects.hash(thingName, groups);
    }

    @Override
    public String toString() {
        return "DiscoveryResult[" + thingName + ": " + groups + "]";
    }
}
