package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The DS component without a framework: the service is registered only for a valid configuration, stays
 * registered across connection swaps, and whiteboard listeners are attached by their properties. Also
 * checks the generated DS and metatype descriptors. (The real wiring in Felix belongs to the Pax Exam
 * tests.)
 */
class ShadowComponentTest {

    /** A registration made through the fake bundle context. */
    static final class Registration {
        final Object service;
        Dictionary<String, ?> properties;
        boolean unregistered;

        Registration(Object service, Dictionary<String, ?> properties) {
            this.service = service;
            this.properties = properties;
        }

        Object get(String key) {
            return properties.get(key);
        }
    }

    private final List<Registration> registrations = new ArrayList<>();
    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] { BundleContext.class }, (proxy, method, args) -> {
                if (method.getName().equals("registerService")) {
                    @SuppressWarnings("unchecked")
                    Registration r = new Registration(args[1], (Dictionary<String, ?>) args[2]);
                    registrations.add(r);
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { ServiceRegistration.class },
                            (p, m, a) -> {
                                switch (m.getName()) {
                                    case "setProperties":
                                        @SuppressWarnings("unchecked")
                                        Dictionary<String, ?> d = (Dictionary<String, ?>) a[0];
                                        r.properties = d;
                                        return null;
                                    case "unregister":
                                        r.unregistered = true;
                                        return null;
                                    case "hashCode":
                                        return System.identityHashCode(p);
                                    case "equals":
                                        return p == a[0];
                                    default:
                                        throw new UnsupportedOperationException(m.getName());
                                }
                            });
                }
                switch (method.getName()) {
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "FakeBundleContext";
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });

    private final ShadowComponent component = new ShadowComponent();
    private boolean active;

    @AfterEach
    void deactivate() {
        if (active) {
            component.deactivate();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ServiceReference<T> reference(Map<String, Object> properties) {
        return (ServiceReference<T>) Proxy.newProxyInstance(ShadowComponentTest.class.getClassLoader(),
                new Class<?>[] { ServiceReference.class }, (p, m, a) -> {
                    switch (m.getName()) {
                        case "getProperty":
                            return properties.get(a[0]);
                        case "hashCode":
                            return System.identityHashCode(p);
                        case "equals":
                            return p == a[0];
                        case "toString":
                            return "ServiceReference" + properties;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    private static Map<String, Object> config(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        m.put("service.pid", "org.iotgateway.shadow.test");
        m.put("service.factoryPid", ShadowComponent.FACTORY_PID);
        m.put("operation.timeout", 2);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private void activate(Map<String, Object> cfg) {
        component.activate(context, cfg);
        active = true;
    }

    private Registration live() {
        List<Registration> live = new ArrayList<>();
        for (Registration r : registrations) {
            if (!r.unregistered) {
                live.add(r);
            }
        }
        assertTrue(live.size() <= 1, "several live registrations: " + live.size());
        return live.isEmpty() ? null : live.get(0);
    }

    @Test
    void invalidConfigurationsRegisterNoService() {
        activate(config("thing.name", "plant/line#1"));
        assertNull(live());
        component.modified(config("thing.name", "ok", "IoTConnection.target", "(connection.id=aws"));
        assertNull(live(), "an unparsable target filter is invalid too");
        component.modified(config("thing.name", "ok", "shadow.name", "x".repeat(65)));
        assertNull(live());
        component.modified(config("thing.name", "ok", "qos", "2"));
        assertNull(live());

        component.modified(config("thing.name", "ok"));
        Registration r = live();
        assertEquals("ok", r.get(ShadowService.THING_NAME));
        assertEquals("", r.get(ShadowService.SHADOW_NAME));
        assertEquals("(connection.id=aws)", r.get("IoTConnection.target"));
        assertEquals("org.iotgateway.shadow.test", r.get("service.pid"));

        // becoming invalid again removes the service
        component.modified(config("thing.name", ""));
        assertNull(live());
    }

    @Test
    void theServiceSurvivesConnectionSwapsAndReconfiguration() {
        FakeConnection first = new FakeConnection("aws");
        component.bindConnection(first); // DS may bind before activate
        activate(config("thing.name", "gw", "shadow.name", "cfg", "IoTConnection.target", "(connection.id=aws)"));
        Registration r = live();
        ShadowService service = (ShadowService) r.service;
        assertEquals("cfg", service.shadowName());
        IoTMessage sync = first.nextRequest();
        assertEquals("$aws/things/gw/shadow/name/cfg/get", sync.topic());

        // greedy rebind: the new connection is bound before the old one is unbound
        FakeConnection second = new FakeConnection("aws2");
        component.bindConnection(second);
        component.unbindConnection(first);
        assertSame(r, live(), "still the same registration");
        assertEquals("$aws/things/gw/shadow/name/cfg/get", second.nextRequest().topic());
        assertEquals(List.of(), first.filters());

        // the connection goes away entirely: the service stays, requests wait
        component.unbindConnection(second);
        assertSame(r, live());
        var waiting = service.report(Map.of("a", 1));
        FakeConnection third = new FakeConnection("aws3");
        component.bindConnection(third);
        List<IoTMessage> sent = List.of(third.nextRequest(), third.nextRequest());
        IoTMessage update = sent.stream().filter(m -> m.topic().endsWith("/update")).findFirst().orElseThrow();
        third.reply(update, "accepted", "{\"state\":{\"reported\":{\"a\":1}},\"version\":5}");
        assertEquals(5, Waits.join(waiting).version());

        // a configuration change (other shadow, other target) keeps the registration and updates its properties
        component.modified(config("thing.name", "gw", "shadow.name", "", "IoTConnection.target", "(connection.id=aws3)",
                "max.inflight", "3"));
        assertSame(r, live());
        assertEquals("", r.get(ShadowService.SHADOW_NAME));
        assertEquals("(connection.id=aws3)", r.get("IoTConnection.target"));
        assertEquals("", service.shadowName());
        Waits.until("the classic shadow is read", Duration.ofSeconds(5), () -> third.published.stream()
                .anyMatch(m -> m.topic().equals("$aws/things/gw/shadow/get")));

        component.deactivate();
        active = false;
        assertNull(live());
    }

    @Test
    void whiteboardListenersAreAttachedByThingAndShadowProperties() {
        FakeConnection conn = new FakeConnection("aws");
        component.bindConnection(conn);
        activate(config("thing.name", "gw"));
        IoTMessage sync = conn.nextRequest();
        conn.reply(sync, "rejected", "{\"code\":404,\"message\":\"No shadow exists\"}");

        Recorder classic = new Recorder();
        Recorder named = new Recorder();
        Recorder both = new Recorder();
        Recorder otherThing = new Recorder();
        Map<String, Object> classicProps = new HashMap<>(Map.of(ShadowService.THING_NAME, "gw"));
        ServiceReference<ShadowDeltaListener> classicRef = reference(classicProps);
        component.bindDeltaListener(classicRef, classic);
        component.bindDeltaListener(reference(Map.of(ShadowService.THING_NAME, "gw", ShadowService.SHADOW_NAME, "cfg")), named);
        component.bindDeltaListener(reference(Map.of(ShadowService.THING_NAME, new String[] { "gw", "gw2" },
                ShadowService.SHADOW_NAME, List.of("", "cfg"))), both);
        component.bindDeltaListener(reference(Map.of(ShadowService.THING_NAME, "gw2")), otherThing);

        conn.deliver("$aws/things/gw/shadow/update/delta", "{\"state\":{\"a\":1},\"version\":2}");
        assertEquals(2, classic.nextDelta().version());
        assertEquals(2, both.nextDelta().version());
        named.assertNoDelta(50);
        otherThing.assertNoDelta(0);

        // properties change: no longer selected
        classicProps.put(ShadowService.THING_NAME, "elsewhere");
        component.updatedDeltaListener(classicRef, classic);
        component.unbindDeltaListener(classicRef, classic); // and the service goes away (must not fail)
        conn.deliver("$aws/things/gw/shadow/update/delta", "{\"state\":{\"a\":2},\"version\":3}");
        assertEquals(3, both.nextDelta().version());
        classic.assertNoDelta(50);
    }

    @Test
    void generatedDescriptorsDeclareTheDynamicGreedyReferenceAndTheFactoryOcd() throws Exception {
        Path classes = Path.of("target", "classes", "OSGI-INF");
        String ds = Files.readString(classes.resolve("org.iotgateway.shadow.internal.ShadowComponent.xml"));
        assertTrue(ds.contains("configuration-pid=\"org.iotgateway.shadow\""), ds);
        assertTrue(ds.contains("configuration-policy=\"require\""), ds);
        assertTrue(ds.matches("(?s).*<reference name=\"IoTConnection\" cardinality=\"0..1\" policy=\"dynamic\" "
                + "interface=\"org.iotgateway.api.IoTConnection\" target=\"\\(connection.id=aws\\)\".*policy-option=\"greedy\".*"), ds);
        assertFalse(ds.contains("v1.5"), "DS 1.5 descriptors do not resolve on Kura");
        String metatype = Files.readString(classes.resolve("metatype").resolve("org.iotgateway.shadow.xml"));
        assertTrue(metatype.contains("<Designate factoryPid=\"org.iotgateway.shadow\">"), metatype);
        assertTrue(metatype.contains("name=\"AWS IoT Device Shadow\""), metatype);
        for (String id : new String[] { "thing.name", "shadow.name", "IoTConnection.target", "persistent.subscriptions", "qos",
                "operation.timeout", "max.inflight" }) {
            assertTrue(metatype.contains("<AD id=\"" + id + "\""), id + " missing from " + metatype);
        }
    }
}
