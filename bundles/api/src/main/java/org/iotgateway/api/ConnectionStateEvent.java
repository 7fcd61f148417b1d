package org.iotgateway.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable change of connection state.
 */
public final class ConnectionStateEvent {

    private final String connectionId;
    private final ConnectionState previous;
    private final ConnectionState current;
    private final Throwable cause;
    private final Instant timestamp;

    /**
     * @param connectionId the {@code connection.id} of the connection
     * @param previous     the state before
     * @param current      the state now
     * @param cause        why the connection was lost or an attempt failed, or {@code null}
     * @param timestamp    when it happened
     */
    public ConnectionStateEvent(String connectionId, ConnectionState previous, ConnectionState current, Throwable cause,
            Instant timestamp) {
        this.connectionId = Objects.requireNonNull(connectionId, "connectionId");
        this.previous = Objects.requireNonNull(previous, "previous");
        this.current = Objects.requireNonNull(current, "current");
        this.cause = cause;
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    }

    /** @return the {@code connection.id} of the connection */
    public String connectionId() {
        return connectionId;
    }

    /** @return the state before the change */
    public ConnectionState previous() {
        return previous;
    }

    /** @return the state after the change */
    public ConnectionState current() {
        return current;
    }

    /** @return why the connection was lost or a connect attempt failed, if known */
    public Optional<Throwable> cause() {
        return Optional.ofNullable(cause);
    }

    /** @return when the change happened */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return "ConnectionStateEvent[" + connectionId + ": " + previous + " -> " + current
                + (cause == null ? "" : ", cause=" + cause) + "]";
    }
}
