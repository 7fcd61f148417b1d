package org.iotgateway.api.discovery;

/**
 * The discovery endpoint could not be reached: the host name did not resolve, the connection was refused or
 * dropped, a proxy refused the tunnel, or the TLS handshake failed (the endpoint's certificate is not trusted by
 * the configured CA, or the endpoint refused the device certificate during the handshake). The cause says which.
 */
public class DiscoveryConnectionException extends DiscoveryException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message   what went wrong, naming the thing and the endpoint
     * @param thingName the thing discovery ran for
     * @param cause     the underlying I/O or TLS exception
     */
    public DiscoveryConnectionException(String message, String thingName, Throwable cause) {
        super(message, thingName, cause);
    }
}
