package org.iotgateway.api;

/**
 * The lifecycle event a {@link ConnectionStateEvent} stands for, following the reference SDK's MQTT 5
 * client. It follows from the state change:
 * <ul>
 * <li>{@link #ATTEMPTING_CONNECT}: any state to {@link ConnectionState#CONNECTING};</li>
 * <li>{@link #CONNECTION_SUCCESS}: {@code CONNECTING} to {@code CONNECTED}, with the
 * {@linkplain ConnectionStateEvent#negotiated() negotiated settings};</li>
 * <li>{@link #CONNECTION_FAILURE}: {@code CONNECTING} to {@code DISCONNECTED}, with the cause and,
 * when the broker refused the CONNECT, the CONNACK {@linkplain ConnectionStateEvent#reason() reason};</li>
 * <li>{@link #DISCONNECTION}: {@code CONNECTED} to {@code DISCONNECTED}, with the cause and, when the
 * broker sent a DISCONNECT packet (MQTT 5), its reason. Also emitted before {@link #STOPPED} when a
 * connected connection is closed;</li>
 * <li>{@link #STOPPED}: any state to {@link ConnectionState#CLOSED}; no further event follows.</li>
 * </ul>
 */
public enum ConnectionEventType {
    /** A connect attempt begins. */
    ATTEMPTING_CONNECT,
    /** The broker accepted the connection (CONNACK success). */
    CONNECTION_SUCCESS,
    /** A connect attempt failed anywhere between name resolution and CONNACK. */
    CONNECTION_FAILURE,
    /** An established connection ended. */
    DISCONNECTION,
    /** The connection was closed for good and will not reconnect. */
    STOPPED;

    /**
     * @param previous the state before
     * @param current  the state after
     * @return the lifecycle event of that change
     */
    public static ConnectionEventType of(ConnectionState previous, ConnectionState current) {
        switch (current) {
            case CONNECTING:
                return ATTEMPTING_CONNECT;
            case CONNECTED:
                return CONNECTION_SUCCESS;
            case CLOSED:
                return STOPPED;
            case DISCONNECTED:
            default:
                return previous == ConnectionState.CONNECTED ? DISCONNECTION : CONNECTION_FAILURE;
        }
    }
}
