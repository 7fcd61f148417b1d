package org.iotgateway.emulator;

import java.util.List;
import java.util.Objects;

/**
 * A Greengrass group in a discovery answer: its id, cores (exactly one in Greengrass V2) and the CA
 * certificates (PEM) that sign the cores' server certificates.
 */
public record DiscoveryGroup(String groupId, List<DiscoveryCore> cores, List<String> caPems) {
    public DiscoveryGroup {
        Objects.requireNonNull(groupId, "groupId");
        cores = List.copyOf(cores);
        caPems = List.copyOf(caPems);
    }

    /** A group with one core. */
    public static DiscoveryGroup of(String groupId, String coreThingArn, List<Connectivity> connectivity,
            String... caPems) {
        return new DiscoveryGroup(groupId, List.of(new DiscoveryCore(coreThingArn, connectivity)),
                List.of(caPems));
    }
}
