package org.iotgateway.emulator;

/**
 * An MQTT client connected to the emulator's broker.
 *
 * @param clientId the MQTT client id
 * @param address  the remote address
 * @param port     the remote port
 */
public record ConnectedClient(String clientId, String address, int port) {
}
