package org.eclipse.kura.cloudconnection;

import java.util.Collections;
import java.util.Map;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;

/** Declaration: the endpoint publishers and subscribers of a cloud connection use. */
public interface CloudEndpoint {

    String publish(KuraMessage message) throws KuraException;

    void registerSubscriber(Map<String, Object> subscriptionProperties, CloudSubscriberListener cloudSubscriberListener);

    void unregisterSubscriber(CloudSubscriberListener cloudSubscriberListener);

    default Map<String, String> getInfo() {
        return Collections.emptyMap();
    }

    void registerCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);

    void unregisterCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);
}
