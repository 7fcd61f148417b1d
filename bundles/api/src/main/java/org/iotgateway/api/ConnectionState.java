package org.iotgateway.api;

/**
 * The state of an {@link IoTConnection}.
 */
public enum ConnectionState {
    /** A connection attempt is under way (first connect or reconnect). */
    CONNECTING,
    /** Connected to the broker; publishes go out (after resubscribing and draining the offline queue). */
    CONNECTED,
    /** Not connected; a reconnect is scheduled with backoff. Publishes go to the offline queue. */
    DISCONNECTED,
    /** The connection was closed for good (its configuration was deleted or the bundle stopped). */
    CLOSED
}
