package org.iotgateway.greengrass.internal;

import java.util.ArrayList;
import java.util.List;

import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.GreengrassCore;
import org.iotgateway.api.discovery.GreengrassGroup;

/**
 * Orders the connectivity entries of a discovery answer into the candidates to try: group by group, core by core,
 * entry by entry, exactly in the order the service sent them, keeping only those that pass the configured filters
 * (group id, core ARN or thing name, text contained in the metadata).
 */
final class CoreSelector {

    /** One connectivity entry of one core of one group. */
    static final class Candidate {
        final GreengrassGroup group;
        final GreengrassCore core;
        final ConnectivityInfo entry;

        Candidate(GreengrassGroup group, GreengrassCore core, ConnectivityInfo entry) {
            this.group = group;
            this.core = core;
            this.entry = entry;
        }

        /** @return whether this is the same place to connect to, with the same trust */
        boolean sameTarget(Candidate other) {
            return other != null && group.groupId().equals(other.group.groupId())
                    && group.caPems().equals(other.group.caPems()) && core.thingArn().equals(other.core.thingArn())
                    && entry.equals(other.entry);
        }

        @Override
        public String toString() {
            return "core " + core.thingArn() + " of group " + group.groupId() + " at " + address() + " (connectivity "
                    + (entry.id().isEmpty() ? "without id" : entry.id()) + ")";
        }

        String address() {
            return (entry.host().indexOf(':') >= 0 ? "[" + entry.host() + "]" : entry.host()) + ":" + entry.port();
        }
    }

    private CoreSelector() {
    }

    /**
     * @param result   the discovery answer
     * @param settings the filters
     * @return the candidates in order
     */
    static List<Candidate> candidates(DiscoveryResult result, AutoConnectSettings settings) {
        List<Candidate> out = new ArrayList<>();
        for (GreengrassGroup group : result.groups()) {
            if (!settings.groupId.isEmpty() && !settings.groupId.equals(group.groupId())) {
                continue;
            }
            for (GreengrassCore core : group.cores()) {
                if (!settings.core.isEmpty() && !settings.core.equals(core.thingArn())
                        && !settings.core.equals(core.thingName())) {
                    continue;
                }
                for (ConnectivityInfo entry : core.connectivity()) {
                    if (!settings.metadata.isEmpty() && !entry.metadata().contains(settings.metadata)) {
                        continue;
                    }
                    out.add(new Candidate(group, core, entry));
                }
            }
        }
        return out;
    }
}
