package org.eclipse.kura.cloudconnection.subscriber.listener;

import org.eclipse.kura.cloudconnection.message.KuraMessage;

/** Declaration: receives the messages of a subscriber. */
@FunctionalInterface
public interface CloudSubscriberListener {

    void onMessageArrived(KuraMessage message);
}
