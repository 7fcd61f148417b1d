package org.iotgateway.api;

/**
 * The OSGi EventAdmin form of the connection lifecycle events, for applications that prefer an
 * {@code EventHandler} to a {@link ConnectionStateListener}. The events bundle
 * ({@code org.iotgateway.events}) posts one event per {@link ConnectionStateEvent} of every
 * connection, in order per connection, on the topic {@link #TOPIC_PREFIX} followed by the
 * {@link ConnectionEventType} name, for example {@code org/iotgateway/connection/CONNECTION_SUCCESS}.
 * <p>
 * The connection id is a property ({@link #CONNECTION_ID}), never part of the topic: select a
 * connection with an {@code event.filter} such as {@code (connection.id=aws)}.
 * <p>
 * Property values are only types EventAdmin handlers may rely on: {@code String}, boxed primitives
 * and, for {@link #EXCEPTION}, the {@code Throwable} itself. Optional properties are absent, never
 * {@code null}.
 */
public final class ConnectionEvents {

    /** Topic prefix of every lifecycle event; the {@link ConnectionEventType} name follows. */
    public static final String TOPIC_PREFIX = "org/iotgateway/connection/";
    /** Topic filter for every lifecycle event, for the {@code event.topics} of a handler. */
    public static final String TOPIC_ALL = TOPIC_PREFIX + "*";

    /** Topic of {@link ConnectionEventType#ATTEMPTING_CONNECT}. */
    public static final String TOPIC_ATTEMPTING_CONNECT = TOPIC_PREFIX + "ATTEMPTING_CONNECT";
    /** Topic of {@link ConnectionEventType#CONNECTION_SUCCESS}. */
    public static final String TOPIC_CONNECTION_SUCCESS = TOPIC_PREFIX + "CONNECTION_SUCCESS";
    /** Topic of {@link ConnectionEventType#CONNECTION_FAILURE}. */
    public static final String TOPIC_CONNECTION_FAILURE = TOPIC_PREFIX + "CONNECTION_FAILURE";
    /** Topic of {@link ConnectionEventType#DISCONNECTION}. */
    public static final String TOPIC_DISCONNECTION = TOPIC_PREFIX + "DISCONNECTION";
    /** Topic of {@link ConnectionEventType#STOPPED}. */
    public static final String TOPIC_STOPPED = TOPIC_PREFIX + "STOPPED";

    // ---- every event

    /** {@code String}: the {@code connection.id} of the connection. */
    public static final String CONNECTION_ID = "connection.id";
    /** {@code String}: the {@link ConnectionEventType} name. */
    public static final String TYPE = "type";
    /** {@code String}: the {@link ConnectionState} name after the change. */
    public static final String STATE = "state";
    /** {@code String}: the {@link ConnectionState} name before the change. */
    public static final String PREVIOUS_STATE = "previous.state";
    /** {@code Long}: when the change happened, milliseconds since the epoch (EventAdmin's {@code timestamp}). */
    public static final String TIMESTAMP = "timestamp";

    // ---- CONNECTION_FAILURE and DISCONNECTION, when known

    /** {@code Throwable}: the cause (EventAdmin's {@code exception}). */
    public static final String EXCEPTION = "exception";
    /** {@code String}: the class name of the cause. */
    public static final String EXCEPTION_CLASS = "exception.class";
    /** {@code String}: the message of the cause, if it has one. */
    public static final String EXCEPTION_MESSAGE = "exception.message";
    /** {@code Integer}: the MQTT 5 reason code of a refused CONNACK or of the broker's DISCONNECT. */
    public static final String REASON_CODE = "reason.code";
    /** {@code String}: the MQTT 5 name of {@link #REASON_CODE}, for example {@code Not authorized}. */
    public static final String REASON_NAME = "reason.name";
    /** {@code String}: the reason string the broker sent with it, if any. */
    public static final String REASON_STRING = "reason.string";

    // ---- CONNECTION_SUCCESS: the negotiated settings

    /** {@code String}: the {@link MqttVersion} name. */
    public static final String MQTT_VERSION = "mqtt.version";
    /** {@code String}: the client id in use. */
    public static final String CLIENT_ID = "client.id";
    /** {@code Boolean}: whether the broker assigned the client id. */
    public static final String CLIENT_ID_ASSIGNED = "client.id.assigned";
    /** {@code Long}: the keep-alive in force, in seconds. */
    public static final String KEEP_ALIVE = "keep.alive";
    /** {@code Boolean}: whether the broker resumed a session. */
    public static final String SESSION_PRESENT = "session.present";
    /** {@code Long}: the session expiry interval, in seconds. */
    public static final String SESSION_EXPIRY = "session.expiry";
    /** {@code Integer}: the highest QoS the broker accepts (0 or 1). */
    public static final String MAXIMUM_QOS = "maximum.qos";
    /** {@code Integer}: the broker's receive maximum. */
    public static final String RECEIVE_MAXIMUM = "receive.maximum";
    /** {@code Long}: the largest packet the broker accepts, in bytes. */
    public static final String MAXIMUM_PACKET_SIZE = "maximum.packet.size";
    /** {@code Integer}: the broker's topic alias maximum; 0 means none. */
    public static final String TOPIC_ALIAS_MAXIMUM = "topic.alias.maximum";
    /** {@code Boolean}: whether retained messages are accepted. */
    public static final String RETAIN_AVAILABLE = "retain.available";
    /** {@code Boolean}: whether wildcard subscriptions are accepted. */
    public static final String WILDCARD_AVAILABLE = "wildcard.available";
    /** {@code Boolean}: whether shared subscriptions are accepted. */
    public static final String SHARED_AVAILABLE = "shared.available";
    /** {@code Boolean}: whether subscription identifiers are accepted. */
    public static final String SUBSCRIPTION_IDENTIFIERS_AVAILABLE = "subscription.identifiers.available";
    /** {@code String}: the Server Reference the broker suggested, if any. */
    public static final String SERVER_REFERENCE = "server.reference";

    private ConnectionEvents() {
    }

    /**
     * @param type a lifecycle event type
     * @return its topic, for example {@code org/iotgateway/connection/STOPPED}
     */
    public static String topic(ConnectionEventType type) {
        return TOPIC_PREFIX + type.name();
    }
}
