package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConnectionSettingsTest {

    private static Map<String, Object> tcp() {
        Map<String, Object> m = new HashMap<>();
        m.put("transport", "tcp");
        m.put("endpoint", "localhost");
        m.put("port", 1883);
        m.put("thing.name", "thing-1");
        return m;
    }

    private static ConnectionSettings settings(Map<String, Object> m) {
        return ConnectionSettings.from(ConfigProxy.connection(m));
    }

    private static void assertInvalid(Map<String, Object> m, String property, String text) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> settings(m));
        assertEquals(property, e.property(), e.getMessage());
        assertTrue(e.getMessage().contains(text), () -> "message '" + e.getMessage() + "' lacks '" + text + "'");
    }

    @Test
    void defaultsMatchTheDocumentation() {
        ConnectionSettings s = settings(tcp());
        assertEquals("aws", s.connectionId);
        assertEquals("thing-1", s.clientId, "client id defaults to the thing name");
        assertEquals(1000, s.backoffBaseMillis);
        assertEquals(32000, s.backoffMaxMillis);
        assertEquals(20000, s.stableMillis);
        assertEquals(2.0, s.drainHz);
        assertEquals(ConnectionSettings.DropPolicy.DROP_NEWEST, s.dropPolicy);
        assertEquals(ConnectionSettings.Storage.MEMORY, s.storage);
        assertTrue(s.hostnameVerification);
        assertEquals("tcp://localhost:1883", s.serverUri());
    }

    @Test
    void ipv6EndpointsAreBracketed() {
        Map<String, Object> m = tcp();
        m.put("endpoint", "::1");
        assertEquals("tcp://[::1]:1883", settings(m).serverUri());
    }

    @Test
    void rejectsInvalidValuesNamingTheProperty() {
        Map<String, Object> m = tcp();
        m.put("port", 0);
        assertInvalid(m, "port", "not a TCP port");
        m = tcp();
        m.put("port", 70000);
        assertInvalid(m, "port", "not a TCP port");
        m = tcp();
        m.put("endpoint", "mqtts://host:8883");
        assertInvalid(m, "endpoint", "not a host name");
        m = tcp();
        m.put("endpoint", " ");
        assertInvalid(m, "endpoint", "required");
        m = tcp();
        m.put("transport", "carrier-pigeon");
        assertInvalid(m, "transport", "unknown transport 'carrier-pigeon'");
        m = tcp();
        m.put("thing.name", "");
        assertInvalid(m, "client.id", "neither client.id nor thing.name");
        m = tcp();
        m.put("client.id", "c".repeat(129));
        assertInvalid(m, "client.id", "128 bytes");
        m = tcp();
        m.put("queue.size", -2);
        assertInvalid(m, "queue.size", "-2");
        m = tcp();
        m.put("queue.drop", "DROP_RANDOM");
        assertInvalid(m, "queue.drop", "DROP_RANDOM");
        m = tcp();
        m.put("queue.drain.frequency", -1.0);
        assertInvalid(m, "queue.drain.frequency", "-1.0");
        m = tcp();
        m.put("queue.storage", "cloud");
        assertInvalid(m, "queue.storage", "cloud");
        m = tcp();
        m.put("queue.disk.sync", "sometimes");
        assertInvalid(m, "queue.disk.sync", "sometimes");
        m = tcp();
        m.put("reconnect.backoff.max.ms", 10);
        assertInvalid(m, "reconnect.backoff.max.ms", "below");
        m = tcp();
        m.put("will.topic", "a/+/b");
        assertInvalid(m, "will.topic", "wildcard");
        m = tcp();
        m.put("will.topic", "status");
        m.put("will.qos", 2);
        assertInvalid(m, "will.qos", "QoS 2");
        m = tcp();
        m.put("transport", "mqtts");
        assertInvalid(m, "cert.file", "set cert.file and key.file");
        m = tcp();
        m.put("transport", "mqtts");
        m.put("cert.file", "/x/cert.pem");
        assertInvalid(m, "key.file", "must be set together");
    }

    @Test
    void metricsSuffixMergesWithAQueryInTheUserName() {
        Map<String, Object> m = tcp();
        m.put("transport", "mqtts");
        m.put("cert.file", "/c.pem");
        m.put("key.file", "/k.pem");
        assertEquals("?SDK=IoTGatewayBundles&Version=1.2.3", settings(m).effectiveUsername("1.2.3"));
        m.put("username", "user");
        assertEquals("user?SDK=IoTGatewayBundles&Version=1.2.3", settings(m).effectiveUsername("1.2.3"));
        m.put("username", "user?x-amz-customauthorizer-name=auth");
        String u = settings(m).effectiveUsername("1.2.3");
        assertEquals("user?x-amz-customauthorizer-name=auth&SDK=IoTGatewayBundles&Version=1.2.3", u);
        assertEquals(1, u.chars().filter(c -> c == '?').count());
        m.put("metrics.enabled", false);
        assertEquals("user?x-amz-customauthorizer-name=auth", settings(m).effectiveUsername("1.2.3"));
    }

    @Test
    void noMetricsSuffixOnPlainTcp() {
        assertNull(settings(tcp()).effectiveUsername("1"));
        Map<String, Object> m = tcp();
        m.put("username", "local");
        assertEquals("local", settings(m).effectiveUsername("1"));
    }

    @Test
    void toStringNeverShowsThePassword() {
        Map<String, Object> m = tcp();
        m.put("password", "s3cr3t-value");
        assertFalse(settings(m).toString().contains("s3cr3t"));
    }
}
