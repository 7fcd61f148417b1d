package org.iotgateway.emulator.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.emulator.KeyAlgorithm;
import org.junit.jupiter.api.Test;

class EmulatorSettingsTest {

    @Test
    void defaultsWhenNothingIsSet() {
        EmulatorSettings s = EmulatorSettings.from(Map.of());
        assertEquals("127.0.0.1", s.host);
        assertEquals(1883, s.mqttPort);
        assertEquals(8883, s.tlsPort);
        assertEquals(-1, s.websocketPort);
        assertEquals(-1, s.discoveryPort);
        assertEquals(-1, s.adminPort);
        assertNull(s.certificateDirectory);
        assertEquals(List.of("gateway-1"), s.devices);
        assertEquals(KeyAlgorithm.EC_P256, s.keyAlgorithm);
    }

    @Test
    void cfgFileStringsAreParsed() {
        // FileInstall hands .cfg values over as strings
        EmulatorSettings s = EmulatorSettings.from(Map.of("mqtt.port", " 21883 ", "tls.port", "0", "devices",
                "gateway-1, sensor:7 ,gateway-1,", "server.names", "gw.local,10.0.0.7", "key.algorithm", "RSA_2048",
                "certificate.directory", "data/../certs"));
        assertEquals(21883, s.mqttPort);
        assertEquals(0, s.tlsPort);
        assertEquals(List.of("gateway-1", "sensor:7"), s.devices);
        assertEquals(List.of("gw.local", "10.0.0.7"), s.serverNames);
        assertEquals(KeyAlgorithm.RSA_2048, s.keyAlgorithm);
        assertTrue(s.certificateDirectory.isAbsolute());
        assertTrue(s.certificateDirectory.endsWith("certs"));
    }

    @Test
    void typedValuesAreAccepted() {
        EmulatorSettings s = EmulatorSettings.from(Map.of("mqtt.port", 1884, "tls.port", 8884L, "devices",
                new String[] { "a", "b" }, "server.names", List.of("x.example")));
        assertEquals(1884, s.mqttPort);
        assertEquals(8884, s.tlsPort);
        assertEquals(List.of("a", "b"), s.devices);
        assertEquals(List.of("x.example"), s.serverNames);
    }

    @Test
    void malformedPortsNameTheProperty() {
        assertMessage("mqtt.port: 'eighty' is not a port number", Map.of("mqtt.port", "eighty"));
        assertMessage("tls.port: 65536 is out of range", Map.of("tls.port", "65536"));
        assertMessage("admin.port: -2 is out of range", Map.of("admin.port", -2));
        assertMessage("discovery.port: '1.5' is not a port number", Map.of("discovery.port", "1.5"));
        assertMessage("websocket.port: '99999999999999999999' is not a port number",
                Map.of("websocket.port", "99999999999999999999"));
    }

    @Test
    void hostileNamesAreRefused() {
        assertMessage("devices: '../../etc/passwd' is not a thing name", Map.of("devices", "../../etc/passwd"));
        assertMessage("devices: 'a/b' is not a thing name", Map.of("devices", "ok,a/b"));
        assertMessage("devices: 'x?y' is not a thing name", Map.of("devices", "x\ny"));
        assertMessage("devices: '" + "t".repeat(64) + "...' is not a thing name", Map.of("devices", "t".repeat(129)));
        assertMessage("server.names: 'a b' is not a DNS name or IP address", Map.of("server.names", "a b"));
        assertMessage("host: 'evil;rm -rf' is not an IP address or host name", Map.of("host", "evil;rm -rf"));
        assertMessage("host: empty", Map.of("host", "  "));
        assertMessage("certificate.directory: not a usable path", Map.of("certificate.directory", "a\0b"));
    }

    @Test
    void oversizedListsAreRefused() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= EmulatorSettings.MAX_DEVICES; i++) {
            many.append("thing-").append(i).append(',');
        }
        assertMessage("devices: 101 things; at most 100", Map.of("devices", many.toString()));
        assertMessage("certificate.directory: not a usable path", Map.of("certificate.directory", "d".repeat(5000)));
    }

    @Test
    void otherProblems() {
        assertMessage("key.algorithm: 'DSA' is not EC_P256 or RSA_2048", Map.of("key.algorithm", "DSA"));
        assertMessage("every MQTT listener is disabled", Map.of("mqtt.port", "-1", "tls.port", "-1"));
    }

    private static void assertMessage(String expected, Map<String, ?> config) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmulatorSettings.from(new HashMap<>(config)));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
