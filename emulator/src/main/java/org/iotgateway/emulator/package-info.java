/**
 * A local AWS IoT Core for tests and development: MQTT broker (TCP, mutual TLS, WebSocket), Device
 * Shadow service, Jobs, Greengrass discovery endpoint and a control surface.
 *
 * <p>Start one with {@link org.iotgateway.emulator.Emulator#builder()}; control it through
 * {@link org.iotgateway.emulator.EmulatorControl}, which {@link org.iotgateway.emulator.Emulator}
 * implements.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package org.iotgateway.emulator;
