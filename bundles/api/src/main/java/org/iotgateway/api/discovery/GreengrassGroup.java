package org.iotgateway.api.discovery;

import java.util.List;
import java.util.Objects;

/**
 * A Greengrass group in a discovery answer: its id, its cores (Greengrass V2 has exactly one per group) and the
 * CA certificates, as PEM text, that sign its cores' server certificates. Immutable.
 */
public final class GreengrassGroup {

    private final String groupId;
    private final List<GreengrassCore> cores;
    private final List<String> caPems;

    /**
     * @param groupId the group id
     * @param cores   the cores in the service's order (copied)
     * @param caPems  the group's CA certificates, each a PEM text (copied)
     * @throws IllegalArgumentException for an empty group id or a {@code null} element
     */
    public GreengrassGroup(String groupId, List<GreengrassCore> cores, List<String> caPems) {
        if (groupId == null || groupId.trim().isEmpty()) {
            throw new IllegalArgumentException("a group without id");
        }
        this.groupId = groupId.trim();
        this.cores = GreengrassCore.copy(cores, "core of group " + groupId);
        this.caPems = GreengrassCore.copy(caPems, "CA of group " + groupId);
    }

    /** @return the group id ({@code GGGroupId}) */
    public String groupId() {
        return groupId;
    }

    /** @return the cores, in the order the service sent them (unmodifiable) */
    public List<GreengrassCore> cores() {
        return cores;
    }

    /**
     * @return the group's CA certificates ({@code CAs}), each PEM text as the service sent it, in its order
     *         (unmodifiable); a client trusts these, and only these, for the group's cores
     */
    public List<String> caPems() {
        return caPems;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GreengrassGroup)) {
            return false;
        }
        GreengrassGroup g = (GreengrassGroup) o;
        return groupId.equals(g.groupId) && cores.equals(g.cores) && caPems.equals(g.caPems);
    }

    @Override
    public int hashCode() {
        return Objects.hash(groupId, cores, caPems);
    }

    @Override
    public String toString() {
        return "GreengrassGroup[" + groupId + ", " + cores + ", " + caPems.size() + " CA(s)]";
    }
}
