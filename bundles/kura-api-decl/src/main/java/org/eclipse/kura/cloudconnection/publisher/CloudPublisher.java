package org.eclipse.kura.cloudconnection.publisher;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;

/** Declaration: what apps, Wires and assets publish through. */
public interface CloudPublisher {

    String publish(KuraMessage message) throws KuraException;

    void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void registerCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);

    void unregisterCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);
}
