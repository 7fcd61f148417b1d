package org.iotgateway.emulator;

import java.util.Objects;

/**
 * One way to reach a Greengrass core, as listed by the discovery endpoint ({@code Connectivity}
 * entry: {@code Id}, {@code HostAddress}, {@code PortNumber}, {@code Metadata}).
 */
public record Connectivity(String id, String hostAddress, int portNumber, String metadata) {
    public Connectivity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hostAddress, "hostAddress");
        if (portNumber < 1 || portNumber > 65535) {
            throw new IllegalArgumentException("portNumber out of range: " + portNumber);
        }
        metadata = metadata == null ? "" : metadata;
    }

    /** An entry with the id {@code AUTOIP_<host>_<port>} and empty metadata. */
    public static Connectivity of(String hostAddress, int portNumber) {
        return new Connectivity("AUTOIP_" + hostAddress + "_" + portNumber, hostAddress, portNumber, "");
    }
}
