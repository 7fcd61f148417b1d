package org.iotgateway.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives messages for a subscription.
 * <p>
 * Messages are delivered in arrival order per listener, on a thread of the connection's dispatcher,
 * never on the MQTT client's network thread: a listener may call blocking operations of the
 * connection (for example {@link IoTConnection#publishAndWait}) without deadlocking it. A listener
 * that throws is logged and keeps receiving; other listeners are not affected.
 * <p>
 * <b>Whiteboard.</b> Instead of calling {@link IoTConnection#subscribe}, an app may register a
 * {@code MessageListener} service with the {@value #TOPIC_FILTER} property (one filter or several),
 * optionally {@value #QOS} (0 or 1, default 1) and {@value #CONNECTION_TARGET} (an LDAP filter over
 * the connection's service properties, e.g. {@code (connection.id=aws)}; default: every
 * connection). The connection subscribes while the service is registered, across reconnects and
 * restarts of the connection, and unsubscribes when the service goes away.
 */
@ConsumerType
public interface MessageListener {

    /** Whiteboard service property: the MQTT topic filter(s) to subscribe to (String or String[]). */
    String TOPIC_FILTER = "iot.topic.filter";

    /** Whiteboard service property: the subscription QoS, 0 or 1 (Integer or String); default 1. */
    String QOS = "iot.topic.qos";

    /** Whiteboard service property: LDAP filter selecting the connection(s), e.g. {@code (connection.id=aws)}. */
    String CONNECTION_TARGET = "iot.connection.target";

    /**
     * @param message the received message
     */
    void messageArrived(IoTMessage message);
}
