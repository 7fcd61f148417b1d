package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowService;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The shadow bundle in a real framework, against the AWS IoT emulator (running in the host JVM, see
 * {@link TestEmulator}): the bundle starts, the metatype OCD, a shadow configuration next to a connection
 * configuration registers a ShadowService, report + get round-trip through the emulator, a whiteboard
 * ShadowDeltaListener receives the delta of a desired state the probe sets, an invalid configuration
 * registers nothing.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShadowIT {

    private static final String CONNECTION_FACTORY_PID = "org.iotgateway.mqtt.connection";
    private static final String SHADOW_FACTORY_PID = "org.iotgateway.shadow";

    private static final long TIMEOUT_MS = 10_000;
    private static final long ABSENCE_MS = 1_500;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypeService;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<ServiceReference<?>> gotten = new ArrayList<>();
    private final List<ServiceListener> listeners = new ArrayList<>();

    /** Host side: starts the emulator (once per JVM) and provisions the framework. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        TestEmulator.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jackson(),
                ItestOptions.shadow(),
                systemProperty(TestEmulator.MQTT_PORT_PROPERTY).value(System.getProperty(TestEmulator.MQTT_PORT_PROPERTY)));
    }

    @Before
    public void shadowBundleIsActive() {
        Bundles.assertActive(Bundles.ours(context, ItestOptions.SHADOW_BUNDLE_PROPERTY));
    }

    @After
    public void cleanUp() {
        for (ServiceListener l : listeners) {
            context.removeServiceListener(l);
        }
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered by the test
            }
        }
        for (ServiceReference<?> r : gotten) {
            context.ungetService(r);
        }
        // shadow configurations first, their connection last
        for (int i = configurations.size() - 1; i >= 0; i--) {
            try {
                configurations.get(i).delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void bundleIsActiveAndTheOcdIsReadable() {
        Bundle shadow = Bundles.ours(context, ItestOptions.SHADOW_BUNDLE_PROPERTY);
        Bundles.assertActive(shadow);
        assertEquals("org.iotgateway.shadow", shadow.getSymbolicName());

        MetaTypeInformation info = metaTypeService.getMetaTypeInformation(shadow);
        assertNotNull("metatype information of the shadow bundle", info);
        assertTrue("factory PIDs " + Arrays.toString(info.getFactoryPids()),
                Arrays.asList(info.getFactoryPids()).contains(SHADOW_FACTORY_PID));
        ObjectClassDefinition ocd = info.getObjectClassDefinition(SHADOW_FACTORY_PID, null);
        assertEquals("AWS IoT Device Shadow", ocd.getName());
        List<String> ids = new ArrayList<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            ids.add(ad.getID());
        }
        assertTrue("attributes " + ids, ids.containsAll(Arrays.asList("thing.name", "shadow.name",
                "IoTConnection.target", "persistent.subscriptions", "qos", "operation.timeout", "max.inflight")));
    }

    @Test
    public void reportGetAndWhiteboardDelta() throws Exception {
        String connectionId = unique("shadow-conn");
        String thing = unique("itest-shadow-thing");
        connectToEmulator(connectionId);

        createConfiguration(SHADOW_FACTORY_PID, shadowProperties(thing, connectionId));
        ServiceReference<ShadowService> ref = awaitService(ShadowService.class, "(thing.name=" + thing + ")");
        assertEquals(thing, ref.getProperty(ShadowService.THING_NAME));
        Object shadowName = ref.getProperty(ShadowService.SHADOW_NAME);
        assertTrue("shadow.name of a classic shadow: " + shadowName, shadowName == null || "".equals(shadowName));
        ShadowService shadow = getService(ref);
        assertEquals(thing, shadow.thingName());
        assertEquals("", shadow.shadowName());

        // report, then read it back from the emulator
        shadow.report(Map.of("mode", "eco", "temperature", 21)).toCompletableFuture().get(TIMEOUT_MS,
                TimeUnit.MILLISECONDS);
        ShadowDocument doc = shadow.getAndWait();
        assertEquals(thing, doc.thingName());
        assertEquals("eco", doc.reported().get("mode"));
        assertEquals(21, ((Number) doc.reported().get("temperature")).intValue());
        assertTrue("no delta yet: " + doc.delta(), doc.delta().isEmpty());

        // a whiteboard delta listener for this thing's classic shadow
        BlockingQueue<ShadowDelta> deltas = new LinkedBlockingQueue<>();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(ShadowService.THING_NAME, thing);
        registrations.add(context.registerService(ShadowDeltaListener.class, deltas::add, props));

        // the probe desires something different from what is reported: the service computes a delta
        shadow.desire(Map.of("mode", "boost")).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ShadowDelta delta = null;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            ShadowDelta d = deltas.poll(100, TimeUnit.MILLISECONDS);
            if (d != null && "boost".equals(d.state().get("mode"))) {
                delta = d;
                break;
            }
        }
        assertNotNull("a delta with mode=boost on the whiteboard listener; got " + deltas, delta);
        assertEquals(thing, delta.thingName());
        assertEquals(Map.of("mode", "boost"), delta.state());

        ShadowDocument after = shadow.getAndWait();
        assertEquals("boost", after.desired().get("mode"));
        assertEquals("eco", after.reported().get("mode"));
        assertEquals(Map.of("mode", "boost"), after.delta());
    }

    @Test
    public void invalidConfigurationRegistersNoService() throws Exception {
        String connectionId = unique("shadow-conn");
        connectToEmulator(connectionId);

        AtomicInteger registered = new AtomicInteger();
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                registered.incrementAndGet();
            }
        };
        context.addServiceListener(listener, "(objectClass=" + ShadowService.class.getName() + ")");
        listeners.add(listener);

        // a thing name with a space is not a valid thing name
        createConfiguration(SHADOW_FACTORY_PID, shadowProperties("bad thing", connectionId));
        Thread.sleep(ABSENCE_MS);
        assertEquals("ShadowService services registered for the invalid configuration", 0, registered.get());
        assertTrue(references(ShadowService.class, "(thing.name=bad thing)").isEmpty());
    }

    // ---------------------------------------------------------------------------------- helpers

    private static String unique(String prefix) {
        return prefix + "-" + System.currentTimeMillis() % 100_000 + "-" + COUNTER.incrementAndGet();
    }

    private void connectToEmulator(String connectionId) throws IOException {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", connectionId);
        p.put("endpoint", "127.0.0.1");
        p.put("port", Integer.parseInt(requiredProperty(TestEmulator.MQTT_PORT_PROPERTY)));
        p.put("transport", "tcp");
        p.put("client.id", connectionId + "-client");
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("queue.drain.frequency", 0.0d);
        p.put("operation.timeout", 10);
        createConfiguration(CONNECTION_FACTORY_PID, p);
        IoTConnection connection = getService(
                awaitService(IoTConnection.class, "(connection.id=" + connectionId + ")"));
        await("connection " + connectionId + " to be CONNECTED to the emulator",
                () -> connection.state() == ConnectionState.CONNECTED, () -> "state " + connection.state());
    }

    private static Dictionary<String, Object> shadowProperties(String thing, String connectionId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("thing.name", thing);
        p.put("shadow.name", "");
        p.put("IoTConnection.target", "(connection.id=" + connectionId + ")");
        p.put("persistent.subscriptions", Boolean.TRUE);
        p.put("qos", 1);
        p.put("operation.timeout", 10);
        p.put("max.inflight", 10);
        return p;
    }

    private Configuration createConfiguration(String factoryPid, Dictionary<String, Object> properties)
            throws IOException {
        Configuration c = configurationAdmin.createFactoryConfiguration(factoryPid, "?");
        configurations.add(c);
        c.update(properties);
        return c;
    }

    private <S> S getService(ServiceReference<S> ref) {
        S service = context.getService(ref);
        assertNotNull("service " + ref + " went away", service);
        gotten.add(ref);
        return service;
    }

    private <S> ServiceReference<S> awaitService(Class<S> type, String filter) {
        List<ServiceReference<S>> found = new ArrayList<>();
        await(type.getSimpleName() + " " + filter, () -> {
            found.clear();
            found.addAll(references(type, filter));
            return !found.isEmpty();
        });
        return found.get(0);
    }

    private <S> List<ServiceReference<S>> references(Class<S> type, String filter) {
        try {
            return new ArrayList<>(context.getServiceReferences(type, filter));
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(filter, e);
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        assertNotNull("system property " + name + " (set by the @Configuration method on the host)", value);
        return value;
    }

    private static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT_MS + " ms waiting for " + what + " " + detail.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
