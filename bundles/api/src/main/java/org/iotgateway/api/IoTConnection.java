package org.iotgateway.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
 * {@value #ENDPOINT}, {@value #PORT}, {@value #TRANSPORT}, {@value #MQTT_VERSION}.
 * <p>
 * <b>MQTT 3.1.1 and MQTT 5.</b> The configuration chooses the protocol ({@link #mqttVersion()}); the
 * API is the same. What MQTT 5 adds, and what happens on MQTT 3.1.1:
 * <table border="1">
 * <caption>MQTT 5 features and their MQTT 3.1.1 behaviour</caption>
 * <tr><th>Feature</th><th>MQTT 5</th><th>MQTT 3.1.1</th></tr>
 * <tr><td>message expiry, user properties, content type, payload format indicator, response topic,
 * correlation data ({@link IoTMessage.Builder})</td><td>sent and received</td><td>a publish carrying any is
 * refused at once with {@link InvalidRequestException} naming the property and the connection</td></tr>
 * <tr><td>{@link #request(IoTMessage, Duration)}</td><td>response topic and correlation data</td><td>refused
 * with {@link InvalidRequestException}</td></tr>
 * <tr><td>PUBACK failure</td><td>{@link PublishRejectedException} with {@link IoTException#reason()}</td><td>does
 * not exist (AWS IoT closes the connection instead; the publish is retried)</td></tr>
 * <tr><td>SUBACK failure</td><td>{@link SubscriptionRejectedException}, the broker's code and reason
 * string</td><td>{@link SubscriptionRejectedException} with code {@code 0x80}</td></tr>
 * <tr><td>UNSUBACK failure</td><td>the unsubscribe stage fails with {@link IoTException#reason()}</td><td>does
 * not exist</td></tr>
 * <tr><td>server DISCONNECT</td><td>{@link ConnectionStateEvent#reason()} of the
 * {@link ConnectionEventType#DISCONNECTION} event</td><td>does not exist (the connection just drops)</td></tr>
 * <tr><td>session</td><td>clean start and session expiry interval; a resumed session keeps its subscriptions,
 * which are not sent again</td><td>clean session</td></tr>
 * <tr><td>broker limits (receive maximum, maximum packet size, maximum QoS, retain available, topic alias
 * maximum)</td><td>honoured; oversize publishes refused with {@link PayloadTooLargeException}</td><td>AWS IoT's
 * documented limits</td></tr>
 * <tr><td>shared subscriptions ({@code $share/group/filter})</td><td>passed to the broker</td><td>passed to the
 * broker, which may refuse them</td></tr>
 * </table>
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
    /** Service property: the MQTT protocol version, {@code 3.1.1} or {@code 5}. */
    String MQTT_VERSION = "mqtt.version";

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

    /**
     * @return the MQTT protocol version this connection speaks, as configured; implementations that
     *         only speak MQTT 3.1.1 need not override it
     */
    default MqttVersion mqttVersion() {
        return MqttVersion.MQTT_3_1_1;
    }

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
     * On MQTT 5 the stage fails with {@link PublishRejectedException} if the broker answered with a
     * PUBACK failure code (the message is removed from the queue: retrying does not help), and with
     * {@link MessageExpiredException} if the message's expiry interval passed while it waited in the
     * offline queue (it is dropped unsent; when it is sent, what is left of the interval goes on the wire).
     *
     * @param message the message
     * @return completes when delivered as described
     * @throws InvalidTopicException     at once, if the topic is empty, contains wildcards, is longer than
     *                                   {@value #MAX_TOPIC_BYTES} bytes or has more than {@value #MAX_TOPIC_SLASHES}
     *                                   slashes outside {@code $aws/}; nothing is sent or queued
     * @throws PayloadTooLargeException  at once, if the payload exceeds {@value #MAX_PAYLOAD_BYTES} bytes, or (MQTT 5)
     *                                   the publish would exceed the maximum packet size the broker announced
     * @throws InvalidRequestException   at once, for a {@code null} message, for MQTT 5 properties on an MQTT 3.1.1
     *                                   connection, or (MQTT 5) for QoS 1 or retain when the broker does not offer it
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
     *         {@link SubscriptionRejectedException} if the broker refused it (its {@link IoTException#reason()}
     *         carries the SUBACK code; MQTT 5 brokers name the reason, e.g. {@code 0x87 Not authorized})
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
     * Sends a request and waits for its response (MQTT 5 request/response). The request must have a
     * {@linkplain IoTMessage#responseTopic() response topic}; without {@linkplain IoTMessage#correlationData()
     * correlation data} a random 16-byte id is added. The connection subscribes to the response topic
     * once (kept for later requests to the same topic) and completes the stage with the first message
     * on it whose correlation data equals the request's; messages with other correlation data are
     * ignored. The responder is expected to copy the correlation data into its response.
     *
     * @param request the request, with a response topic
     * @param timeout how long to wait for the response
     * @return completes with the response; fails with {@link OperationTimeoutException} if none arrived in
     *         time, or with the failure of the publish or subscription
     * @throws InvalidRequestException at once, if the request has no response topic, the timeout is not positive,
     *                                 or the connection speaks MQTT 3.1.1 (which has no response topic)
     */
    default CompletionStage<IoTMessage> request(IoTMessage request, Duration timeout) {
        CompletableFuture<IoTMessage> refused = new CompletableFuture<>();
        refused.completeExceptionally(new InvalidRequestException("request/response needs MQTT 5; connection '" + id()
                + "' uses MQTT 3.1.1"));
        return refused;
    }

    /**
     * Removes every listener of a filter and unsubscribes it at the broker.
     *
     * @param filter the topic filter exactly as subscribed
     * @return completes once the broker acknowledged (at once if the filter was not subscribed); on MQTT 5 fails
     *         with an {@link IoTException} carrying the {@linkplain IoTException#reason() reason} of an UNSUBACK
     *         failure code
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
