package org.iotgateway.tls;

import java.io.IOException;

/**
 * An HTTP proxy could not open a tunnel ({@code CONNECT}) to the server.
 *
 * <p>The message names the proxy, the target, the proxy's answer and the setting to look at, for example {@code
 * HTTP proxy proxy.plant.local:3128 (proxy.host) requires authentication for CONNECT
 * a1b2-ats.iot.eu-west-1.amazonaws.com:443 (407 Proxy Authentication Required, offers Basic): set proxy.username and
 * proxy.password}. It never contains the proxy password. An {@link IOException}, because it happens while opening a
 * connection and client libraries treat it like any other connection failure (a reconnecting client retries).
 */
public class ProxyTunnelException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the tunnel failed. */
    public enum Reason {
        /** The proxy itself cannot be reached (connection refused, timeout, unknown host). */
        UNREACHABLE,
        /** The proxy wants credentials (407) and none are configured. */
        AUTHENTICATION_REQUIRED,
        /** The proxy rejected the configured credentials (407). */
        AUTHENTICATION_FAILED,
        /** The proxy refused the tunnel (403 or another non-2xx status). */
        REFUSED,
        /** The proxy did not answer in time, or answered something that is not HTTP. */
        BAD_RESPONSE
    }

    private final Reason reason;
    private final int status;
    private final String setting;

    /**
     * @param reason why
     * @param status the proxy's HTTP status, or -1
     * @param setting the setting to look at, or null
     * @param message the message, without secrets
     * @param cause the cause, or null
     */
    public ProxyTunnelException(Reason reason, int status, String setting, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
        this.setting = setting;
    }

    /** @return why the tunnel failed */
    public Reason reason() {
        return reason;
    }

    /** @return the proxy's HTTP status code, or -1 if it gave none */
    public int status() {
        return status;
    }

    /** @return the configuration setting to look at, or null */
    public String setting() {
        return setting;
    }
}
