package org.iotgateway.emulator;

import java.util.List;
import java.util.Objects;

/**
 * A Greengrass core in a discovery answer: its thing ARN and the connectivity entries a client tries
 * in order.
 */
public record DiscoveryCore(String thingArn, List<Connectivity> connectivity) {
    public DiscoveryCore {
        Objects.requireNonNull(thingArn, "thingArn");
        connectivity = List.copyOf(connectivity);
    }
}
