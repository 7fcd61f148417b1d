package org.iotgateway.api;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An MQTT connection to AWS IoT Core (or a Greengrass core, or a local broker), registered as an
 * OSGi service once per configuration.
 * <p>
 * The connection reconnects forever with progressive backoff. While it is not connected, publishes
 * are kept in its offline queue (memory or disk, as configured) and sent after the reconnect, after
 * every subscription has been restored; order is preserved. Subscriptions survive reconnects.
 * <p>
 * All operations are asynchronous and never run user code on the MQTT client's network thread.
 * The {@code ...AndWait} variants block for at most the configured operation timeout.
 * <p>
 * Service properties: {@value #CONNECTION_ID}, {@value #CLIENT_ID}, {@value #THING_NAME},
 * {@value #ENDPOINT}, {@value #PORT}, {@value #TRANSPORT}.
 */
@ProviderType
public interface IoTConnection {

    /** Service property: the configured connection id, used to select a connection with a target filter. */
    String CONNECTION_ID = "connection.id";
    /** Service property: the MQTT client id. */
    String CLIENT_ID = "client.id";
    /** Service property: the AWS IoT thing name (may be empty). */
    String THING_NAME = "thing.name";
    /** Service property: the broker host name. */
    String ENDPOINT = "endpoint";
    /** Service property: the broker port. */
    String PORT = "port";
    /** Service property: the transport (e.g. {@code mqtts}, {@code tcp}). */
    String TRANSPORT = "transport";

    /** AWS IoT Core's maximum payload size in bytes (128 KB). */
    int MAX_PAYLOAD_BYTES = 128 * 1024;
    /** AWS IoT Core's maximum topic length in UTF-8 bytes. */
    int MAX_TOPIC_BYTES = 256;
    /** AWS IoT Core's maximum number of forward slashes in a topic outside the reserved {@code $aws/} topics. */
    int MAX_TOPIC_SLASHES = 7;

    /** @return the configured connection id ({@value #CONNECTION_ID}) */
    String id();

    /** @return the MQTT client id */
    String clientId();

    /** @return the AWS IoT thing name, or an empty string if none is configured */
    String thingName();

    /** @return the current state */
    ConnectionState state();

    /** @return the number of publishes accepted but not yet acknowledged (offline queue plus in flight) */
    long queuedMessages();

    /**
     * Publishes a message.
     * <p>
     * The returned stage completes when the broker acknowledged it (QoS 1) or once it was written to
     * the network (QoS 0). While disconnected the message waits in the offline queue; it fails with
     * {@link QueueFullException} if the queue rejected or evicted it, or {@link NotConnectedException}
     * if the queue is disabled.
     *
     * @param message the message
     * @return completes when delivered as described
     * @throws InvalidTopicException     at once, if the topic is empty, contains wildcards, is longer than
     *                                   {@value #MAX_TOPIC_BYTES} bytes or has more than {@value #MAX_TOPIC_SLASHES}
     *                                   slashes outside {@code $aws/}; nothing is sent or queued
     * @throws PayloadTooLargeException  at once, if the payload exceeds {@value #MAX_PAYLOAD_BYTES} bytes
     * @throws InvalidRequestException   at once, for a {@code null} message
     * @throws ConnectionClosedException at once, if the connection was closed
     */
    CompletionStage<Void> publish(IoTMessage message);

    /**
     * Publishes a message that is not retained. See {@link #publish(IoTMessage)}.
     *
     * @param topic   the topic
     * @param payload the payload (copied)
     * @param qos     the QoS
     * @return completes when delivered
     */
    default CompletionStage<Void> publish(String topic, byte[] payload, QoS qos) {
        return publish(IoTMessage.of(topic, payload, qos));
    }

    /**
     * Publishes and waits for it to complete, at most the configured operation timeout.
     *
     * @param message the message
     * @throws OperationTimeoutException if not complete in time; the message stays queued and is still delivered
     * @throws IoTException              the failure of the publish (see {@link #publish(IoTMessage)})
     */
    void publishAndWait(IoTMessage message);

    /**
     * Publishes and waits. See {@link #publishAndWait(IoTMessage)}.
     *
     * @param topic   the topic
     * @param payload the payload (copied)
     * @param qos     the QoS
     */
    default void publishAndWait(String topic, byte[] payload, QoS qos) {
        publishAndWait(IoTMessage.of(topic, payload, qos));
    }

    /**
     * Subscribes a listener to a topic filter. The subscription is kept across reconnects. Several
     * listeners may use the same filter; the broker sees one subscription (at the highest QoS asked).
     * Requested while disconnected, the subscription is made first thing after the reconnect.
     *
     * @param filter   an MQTT topic filter ({@code +} and {@code #} wildcards allowed)
     * @param qos      the maximum QoS to receive with
     * @param listener the listener
     * @return completes with the subscription once the broker granted it; fails with
     *         {@link SubscriptionRejectedException} if the broker refused it
     * @throws InvalidTopicException at once, for an invalid filter
     */
    CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener);

    /**
     * Subscribes and waits for the broker's answer, at most the configured operation timeout.
     *
     * @param filter   the topic filter
     * @param qos      the QoS
     * @param listener the listener
     * @return the subscription
     * @throws OperationTimeoutException if not acknowledged in time (the subscription stays in place and is retried on reconnect)
     * @throws SubscriptionRejectedException if the broker refused it
     */
    Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener);

    /**
     * Removes every listener of a filter and unsubscribes it at the broker.
     *
     * @param filter the topic filter exactly as subscribed
     * @return completes once the broker acknowledged (at once if the filter was not subscribed)
     */
    CompletionStage<Void> unsubscribe(String filter);

    /**
     * Unsubscribes and waits, at most the configured operation timeout.
     *
     * @param filter the topic filter
     */
    void unsubscribeAndWait(String filter);

    /**
     * @param listener receives every later state change of this connection
     */
    void addStateListener(ConnectionStateListener listener);

    /**
     * @param listener a listener added before; no effect otherwise
     */
    void removeStateListener(ConnectionStateListener listener);
}
