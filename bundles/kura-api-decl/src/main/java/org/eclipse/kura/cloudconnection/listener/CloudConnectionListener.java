package org.eclipse.kura.cloudconnection.listener;

/** Declaration: told about connection state changes. */
public interface CloudConnectionListener {

    void onDisconnected();

    void onConnectionLost();

    void onConnectionEstablished();
}
