package org.iotgateway.api.discovery;

import java.util.Objects;

/**
 * One way to reach a Greengrass core, as the discovery service listed it ({@code Connectivity} entry): an id,
 * a host name or IP address, a port and free-form metadata. Immutable.
 */
public final class ConnectivityInfo {

    private final String id;
    private final String host;
    private final int port;
    private final String metadata;

    /**
     * @param id       the entry's id (for example {@code AUTOIP_192.168.1.4_1}); {@code null} is read as empty
     * @param host     the host name or IP address, not empty
     * @param port     the port, 1 to 65535
     * @param metadata the metadata; {@code null} is read as empty
     * @throws IllegalArgumentException for an empty host or a port outside 1 to 65535
     */
    public ConnectivityInfo(String id, String host, int port, String metadata) {
        if (host == null || host.trim().isEmpty()) {
            throw new IllegalArgumentException("connectivity entry '" + id + "' has no host address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("connectivity entry '" + id + "' has port " + port
                    + ", not a TCP port (1-65535)");
        }
        this.id = id == null ? "" : id;
        this.host = host.trim();
        this.port = port;
        this.metadata = metadata == null ? "" : metadata;
    }

    /** @return the entry's id, possibly empty */
    public String id() {
        return id;
    }

    /** @return the host name or IP address ({@code HostAddress}) */
    public String host() {
        return host;
    }

    /** @return the port ({@code PortNumber}) */
    public int port() {
        return port;
    }

    /** @return the metadata, possibly empty */
    public String metadata() {
        return metadata;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ConnectivityInfo)) {
            return false;
        }
        ConnectivityInfo c = (ConnectivityInfo) o;
        return port == c.port && id.equals(c.id) && host.equals(c.host) && metadata.equals(c.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, host, port, metadata);
    }

    @Override
    public String toString() {
        return "ConnectivityInfo[" + id + ": " + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (metadata.isEmpty() ? "" : ", metadata=" + metadata) + "]";
    }
}
