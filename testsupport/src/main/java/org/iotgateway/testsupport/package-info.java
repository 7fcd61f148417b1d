/**
 * Helpers for tests only, never shipped: a throw-away PKI writing PEM files ({@link
 * org.iotgateway.testsupport.TestPki}), free ports ({@link org.iotgateway.testsupport.FreePort}), an in-JVM Moquette
 * broker ({@link org.iotgateway.testsupport.MoquetteBroker}), Debian's mosquitto as a child process ({@link
 * org.iotgateway.testsupport.Mosquitto}) and a minimal raw MQTT 3.1.1 client ({@link
 * org.iotgateway.testsupport.MqttProbe}).
 */
package org.iotgateway.testsupport;
