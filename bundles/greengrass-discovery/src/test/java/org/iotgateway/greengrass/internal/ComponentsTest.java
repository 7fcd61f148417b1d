package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.Emulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two DS components driven by hand (what SCR would do), with an in-memory ConfigurationAdmin: the discovery
 * service is registered only for a valid configuration; the auto-connect writes its connection configuration
 * through ConfigurationAdmin, keeps it when stopped, and deletes it with its CA files when its own configuration is
 * deleted.
 */
class ComponentsTest {

    private static Emulator emulator;

    @TempDir
    Path dataArea;

    @BeforeAll
    static void start() {
        emulator = Emulator.builder().certificateDirectory(Support.certificateDirectory("components"))
                .websocketPort(-1).build().start();
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    private static DiscoveryConfig config(Map<String, Object> p) {
        return ConfigProxy.of(DiscoveryConfig.class, p);
    }

    @Test
    void discoveryServiceOnlyForAValidConfiguration() {
        FakeBundleContext bundle = new FakeBundleContext(dataArea);
        DiscoveryComponent component = new DiscoveryComponent();
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.put("discovery.id", "plant");
        p.put("service.pid", "org.iotgateway.greengrass.discovery~plant");
        component.activate(bundle.context(), config(p), p);
        assertEquals(1, bundle.registrations.size());
        FakeBundleContext.Registered r = bundle.registrations.get(0);
        assertEquals("plant", r.properties.get(GreengrassDiscovery.DISCOVERY_ID));
        assertEquals(emulator.discoveryPort(), r.properties.get(GreengrassDiscovery.PORT));
        GreengrassDiscovery service = (GreengrassDiscovery) r.service;
        assertEquals("plant", service.id());

        p.put("discovery.id", "plant-2");
        component.modified(config(p), p);
        assertEquals(1, bundle.registrations.size(), "a change keeps the service object");
        assertEquals("plant-2", r.properties.get(GreengrassDiscovery.DISCOVERY_ID));

        p.put("key.file", dataArea.resolve("missing.key").toString());
        component.modified(config(p), p);
        assertTrue(r.unregistered, "an invalid configuration has no service");
        component.deactivate();
    }

    @Test
    void autoConnectWritesThroughConfigurationAdminAndCleansUpWhenDeleted() throws Exception {
        String thing = "component-gw";
        emulator.setDiscoveryGroups(thing, List.of(DiscoveryGroup.of("group-1", "arn:aws:iot:eu-west-1:1:thing/core",
                List.of(Connectivity.of("127.0.0.1", emulator.tlsPort())), emulator.certificates().caCertificatePem())));
        FakeConfigurationAdmin cm = new FakeConfigurationAdmin();
        try (DiscoveryClient discovery = Support.client(Support.discoveryProperties(emulator))) {
            Map<String, Object> p = new HashMap<>();
            p.put("thing.name", thing);
            p.put("service.pid", "org.iotgateway.greengrass.autoconnect~gw");
            AutoConnectComponent component = new AutoConnectComponent();
            inject(component, "discovery", discovery);
            inject(component, "configurationAdmin", cm.admin());
            component.bindConnection(connection(ConnectionState.CONNECTED), Map.of("connection.id", "greengrass"));
            component.activate(new FakeBundleContext(dataArea).context(),
                    ConfigProxy.of(AutoConnectConfig.class, p), p);
            await("the connection configuration is created", () -> cm.store.size() == 1
                    && cm.store.values().iterator().next().properties != null);
            FakeConfigurationAdmin.Stored s = cm.store.values().iterator().next();
            assertEquals(ConnectionConfigurationWriter.CONNECTION_FACTORY_PID, s.factoryPid);
            assertEquals("org.iotgateway.greengrass.autoconnect~gw", s.properties.get("greengrass.discovery"));
            assertEquals(emulator.tlsPort(), s.properties.get("port"));
            Path ca = Path.of((String) s.properties.get("ca.file"));
            assertTrue(ca.startsWith(dataArea), ca.toString());

            component.deactivate(1); // e.g. the bundle stops: apps keep their connection
            assertEquals(1, cm.store.size());
            assertTrue(Files.exists(ca));

            component.activate(new FakeBundleContext(dataArea).context(),
                    ConfigProxy.of(AutoConnectConfig.class, p), p);
            Thread.sleep(300);
            assertEquals(1, s.updates, "an unchanged configuration is not rewritten");
            component.deactivate(AutoConnectComponent.CONFIGURATION_DELETED);
            assertTrue(cm.store.isEmpty());
            assertFalse(Files.exists(ca));
        }
    }

    private static IoTConnection connection(ConnectionState state) {
        return (IoTConnection) Proxy.newProxyInstance(IoTConnection.class.getClassLoader(),
                new Class<?>[] { IoTConnection.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "state":
                            return state;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            return null;
                    }
                });
    }

    private static void inject(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }
}
