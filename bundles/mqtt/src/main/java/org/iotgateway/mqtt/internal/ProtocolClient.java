package org.iotgateway.mqtt.internal;

import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.mqtt.internal.spool.SpooledMessage;

/**
 * One network connection to the broker, in whichever MQTT version the configuration chose: the
 * small, protocol-neutral surface {@link MqttConnection} is written against. A fresh instance per
 * connection attempt; {@link V3Client} wraps Paho's MQTT 3.1.1 client, {@link V5Client} Paho's
 * MQTT 5 client. Transport (TLS, ALPN, WebSocket, SigV4, proxy) and keep-alive are set up the same
 * way for both from the connection settings.
 * <p>
 * Callbacks run on the client library's threads: implementations of the callback interfaces only
 * hand work over.
 */
interface ProtocolClient {

    /** Completion of one operation. */
    interface Result<T> {
        void success(T value);

        void failure(Throwable cause);
    }

    /** What the client reports by itself. */
    interface Events {
        /**
         * @param cause  why the connection ended
         * @param reason the reason of a DISCONNECT the broker sent (MQTT 5), or {@code null}
         */
        void connectionLost(Throwable cause, MqttReason reason);

        /** @param message a message the broker delivered */
        void messageArrived(IoTMessage message);
    }

    /** A refused CONNACK: the cause carries the reason code, mapped to MQTT 5 codes on 3.1.1. */
    final class ConnectRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient MqttReason reason;

        ConnectRefused(String message, MqttReason reason, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }
    }

    /**
     * Connects. The result is the settings in force on success; on failure the cause, a
     * {@link ConnectRefused} if the broker answered with a failing CONNACK.
     */
    void connect(Result<NegotiatedSettings> result) throws Exception;

    /**
     * Publishes a queued message. The result is {@code null} for success (PUBACK success or, for
     * QoS 0, written) or the failing PUBACK reason (MQTT 5); a failure means the message was not
     * acknowledged because the connection went down.
     *
     * @param nowMillis the wall clock, for the remaining message expiry interval
     */
    void publish(SpooledMessage message, long nowMillis, Result<MqttReason> result) throws Exception;

    /** Subscribes; the result has one reason per filter: the granted QoS (0, 1) or a failure code. */
    void subscribe(String[] filters, int[] qos, Result<MqttReason[]> result) throws Exception;

    /** Unsubscribes; the result is {@code null} or the UNSUBACK reason (MQTT 5). */
    void unsubscribe(String filter, Result<MqttReason> result) throws Exception;

    /** @return whether the network connection is up */
    boolean isConnected();

    /**
     * Closes the connection and releases the client.
     *
     * @param graceful send DISCONNECT and wait briefly, else drop the connection at once
     */
    void close(boolean graceful);

    /** @return the library's reason code of an exception it threw (e.g. 32109 connection lost), or -1 */
    static int libraryReasonCode(Throwable t) {
        if (t instanceof org.eclipse.paho.client.mqttv3.MqttException) {
            return ((org.eclipse.paho.client.mqttv3.MqttException) t).getReasonCode();
        }
        if (t instanceof org.eclipse.paho.mqttv5.common.MqttException) {
            return ((org.eclipse.paho.mqttv5.common.MqttException) t).getReasonCode();
        }
        return -1;
    }

    /** Paho's reason code for a connection lost (the same in both Paho clients). */
    int CONNECTION_LOST = 32109;
}
