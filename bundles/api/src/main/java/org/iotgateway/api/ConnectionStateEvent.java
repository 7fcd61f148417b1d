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
    private final NegotiatedSettings negotiated;
    private final MqttReason reason;

    /**
     * @param connectionId the {@code connection.id} of the connection
     * @param previous     the state before
     * @param current      the state now
     * @param cause        why the connection was lost or an attempt failed, or {@code null}
     * @param timestamp    when it happened
     */
    public ConnectionStateEvent(String connectionId, ConnectionState previous, ConnectionState current, Throwable cause,
            Instant timestamp) {
        this(connectionId, previous, current, cause, timestamp, null, null);
    }

    /**
     * @param connectionId the {@code connection.id} of the connection
     * @param previous     the state before
     * @param current      the state now
     * @param cause        why the connection was lost or an attempt failed, or {@code null}
     * @param timestamp    when it happened
     * @param negotiated   the settings in force, for {@link ConnectionEventType#CONNECTION_SUCCESS}; else {@code null}
     * @param reason       the CONNACK reason of a refused connect, or the reason of a DISCONNECT the broker sent;
     *                     else {@code null}
     */
    public ConnectionStateEvent(String connectionId, ConnectionState previous, ConnectionState current, Throwable cause,
            Instant timestamp, NegotiatedSettings negotiated, MqttReason reason) {
        this.negotiated = negotiated;
        this.reason = reason;
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

    /** @return the lifecycle event this change stands for */
    public ConnectionEventType type() {
        return ConnectionEventType.of(previous, current);
    }

    /**
     * @return for {@link ConnectionEventType#CONNECTION_SUCCESS}, the settings in force on the new
     *         connection (keep-alive, session present, maximum QoS, receive maximum, topic alias
     *         maximum, assigned client id and the rest); empty for other events
     */
    public Optional<NegotiatedSettings> negotiated() {
        return Optional.ofNullable(negotiated);
    }

    /**
     * @return for {@link ConnectionEventType#CONNECTION_FAILURE}, the reason code of the CONNACK that
     *         refused the connect (MQTT 5 code; the MQTT 3.1.1 return code is mapped to the MQTT 5 code
     *         of the same meaning); for {@link ConnectionEventType#DISCONNECTION}, the reason of the
     *         DISCONNECT packet the broker sent (MQTT 5 only); empty otherwise
     */
    public Optional<MqttReason> reason() {
        return Optional.ofNullable(reason);
    }

    /** @return when the change happened */
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public String toString() {
        return "ConnectionStateEvent[" + connectionId + ": " + type() + ", " + previous + " -> " + current
                + (reason == null ? "" : ", reason=" + reason) + (cause == null ? "" : ", cause=" + cause)
                + (negotiated == null ? "" : ", " + negotiated) + "]";
    }
}
