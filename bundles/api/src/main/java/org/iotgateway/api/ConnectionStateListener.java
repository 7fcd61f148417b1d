package org.iotgateway.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives connection state changes, in order, on a thread of the connection's dispatcher
 * (never on the MQTT client's network thread).
 * <p>
 * Add it with {@link IoTConnection#addStateListener(ConnectionStateListener)}, or register it as an
 * OSGi service: the connection picks it up (whiteboard), optionally restricted with the
 * {@value #CONNECTION_TARGET} service property.
 */
@ConsumerType
public interface ConnectionStateListener {

    /**
     * Whiteboard service property: an LDAP filter over the connection's service properties, for
     * example {@code (connection.id=aws)}. Without it, every connection delivers to the listener.
     */
    String CONNECTION_TARGET = "iot.connection.target";

    /**
     * @param event the change; a listener that throws is logged and does not affect other listeners
     */
    void stateChanged(ConnectionStateEvent event);
}
