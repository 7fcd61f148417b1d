package org.eclipse.kura.cloudconnection.subscriber;

import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;

/** Declaration: what apps and Wires receive through. */
public interface CloudSubscriber {

    void registerCloudSubscriberListener(CloudSubscriberListener listener);

    void unregisterCloudSubscriberListener(CloudSubscriberListener listener);

    void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);
}
