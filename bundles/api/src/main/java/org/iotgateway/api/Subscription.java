package org.iotgateway.api;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A listener's subscription on a connection. The connection keeps it across reconnects
 * (resubscribing after every reconnect) until it is unsubscribed.
 */
@ProviderType
public interface Subscription {

    /** @return the topic filter */
    String filter();

    /** @return the requested QoS */
    QoS qos();

    /** @return whether the subscription is still active (not unsubscribed, connection not closed) */
    boolean isActive();

    /**
     * Removes this listener. The MQTT subscription is removed from the broker when no other listener
     * of the connection uses the same filter.
     *
     * @return completes once the broker acknowledged (or at once if other listeners keep the filter)
     */
    CompletionStage<Void> unsubscribe();
}
