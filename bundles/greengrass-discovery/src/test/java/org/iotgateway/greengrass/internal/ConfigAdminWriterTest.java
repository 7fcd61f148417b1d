package org.iotgateway.greengrass.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigAdminWriterTest {

    private static final String PID = ConnectionConfigurationWriter.CONNECTION_FACTORY_PID;

    private final FakeConfigurationAdmin cm = new FakeConfigurationAdmin();
    private final ConfigAdminWriter writer = new ConfigAdminWriter(cm.admin());

    private static Map<String, Object> properties(String endpoint, int port) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("connection.id", "greengrass");
        p.put("endpoint", endpoint);
        p.put("port", port);
        p.put("transport", "mqtts");
        p.put("hostname.verification", true);
        return p;
    }

    private FakeConfigurationAdmin.Stored only() {
        assertEquals(1, cm.store.size(), cm.store.keySet().toString());
        return cm.store.values().iterator().next();
    }

    @Test
    void createsAFactoryConfigurationForEveryBundleWithTheMarker() throws Exception {
        assertTrue(writer.write("autoconnect~1", properties("192.168.1.4", 8883)));
        FakeConfigurationAdmin.Stored s = only();
        assertEquals(PID, s.factoryPid);
        assertEquals("?", s.location);
        assertEquals("192.168.1.4", s.properties.get("endpoint"));
        assertEquals(8883, s.properties.get("port"));
        assertEquals("autoconnect~1", s.properties.get("greengrass.discovery"));
    }

    @Test
    void updatesOnlyWhenSomethingChangesAndKeepsOtherProperties() throws Exception {
        writer.write("autoconnect~1", properties("192.168.1.4", 8883));
        FakeConfigurationAdmin.Stored s = only();
        s.properties.put("queue.storage", "disk"); // set by an administrator
        assertFalse(writer.write("autoconnect~1", properties("192.168.1.4", 8883)));
        assertEquals(1, s.updates);
        assertTrue(writer.write("autoconnect~1", properties("10.0.0.7", 8883)));
        assertEquals(2, s.updates);
        assertEquals("10.0.0.7", s.properties.get("endpoint"));
        assertEquals("disk", s.properties.get("queue.storage"));
        assertFalse(s.properties.containsKey("service.pid"));
        assertEquals(s, only());
    }

    @Test
    void eachAutoConnectHasItsOwnConfiguration() throws Exception {
        cm.add(PID, Map.of("connection.id", "aws", "endpoint", "x-ats.iot.eu-west-1.amazonaws.com"));
        writer.write("autoconnect~1", properties("a", 1));
        writer.write("autoconnect~(2)*\\", properties("b", 2));
        assertEquals(3, cm.store.size());
        assertTrue(writer.write("autoconnect~(2)*\\", properties("c", 3)));
        long atC = cm.store.values().stream().filter(s -> "c".equals(s.properties.get("endpoint"))).count();
        assertEquals(1, atC);
        assertTrue(writer.delete("autoconnect~(2)*\\"));
        assertFalse(writer.delete("autoconnect~(2)*\\"));
        assertEquals(2, cm.store.size());
        assertTrue(cm.store.values().stream().anyMatch(s -> "aws".equals(s.properties.get("connection.id"))));
    }

    @Test
    void duplicatesAreRemoved() throws Exception {
        cm.add(PID, Map.of("greengrass.discovery", "autoconnect~1", "endpoint", "old-1"));
        cm.add(PID, Map.of("greengrass.discovery", "autoconnect~1", "endpoint", "old-2"));
        writer.write("autoconnect~1", properties("new", 8883));
        assertEquals("new", only().properties.get("endpoint"));
    }

    @Test
    void ldapSpecialCharactersAreEscaped() {
        assertEquals("a\\(b\\)\\*\\\\c", ConfigAdminWriter.escape("a(b)*\\c"));
    }
}
