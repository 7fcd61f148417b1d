package org.eclipse.kura.cloudconnection;

import org.eclipse.kura.KuraConnectException;
import org.eclipse.kura.KuraDisconnectException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;

/** Declaration: connection state and control of a cloud connection. */
public interface CloudConnectionManager {

    void connect() throws KuraConnectException;

    void disconnect() throws KuraDisconnectException;

    boolean isConnected();

    void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);
}
