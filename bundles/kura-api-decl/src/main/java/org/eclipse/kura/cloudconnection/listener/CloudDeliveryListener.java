package org.eclipse.kura.cloudconnection.listener;

/** Declaration: told when a published message was confirmed by the broker. */
public interface CloudDeliveryListener {

    void onMessageConfirmed(String messageId);
}
