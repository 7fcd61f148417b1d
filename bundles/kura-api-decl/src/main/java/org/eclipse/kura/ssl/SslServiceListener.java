package org.eclipse.kura.ssl;

/** Declaration: whiteboard listener told when an SslManagerService's configuration changed. */
public interface SslServiceListener {

    void onConfigurationUpdated();
}
