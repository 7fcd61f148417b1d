package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.util.Map;

/**
 * Creates, updates and deletes the connection configuration (factory PID {@value #CONNECTION_FACTORY_PID}) an
 * auto-connect owns, found by its marker property {@value #MARKER}. Properties not written by the auto-connect (for
 * example {@code queue.storage} set by an administrator) are kept on update.
 */
interface ConnectionConfigurationWriter {

    /** The factory PID of the mqtt bundle's connections. */
    String CONNECTION_FACTORY_PID = "org.iotgateway.mqtt.connection";

    /** Marker property of a connection configuration written by an auto-connect: the auto-connect's PID. */
    String MARKER = "greengrass.discovery";

    /**
     * Creates the configuration marked {@code marker}, or updates it with these properties.
     *
     * @param marker     the owner's marker value
     * @param properties the properties to set (the marker included)
     * @return whether the configuration was created or changed
     * @throws IOException if the configuration cannot be written
     */
    boolean write(String marker, Map<String, Object> properties) throws IOException;

    /**
     * @param marker the owner's marker value
     * @return whether a configuration was deleted
     * @throws IOException if it cannot be deleted
     */
    boolean delete(String marker) throws IOException;
}
