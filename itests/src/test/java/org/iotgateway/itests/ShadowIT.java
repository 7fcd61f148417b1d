package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
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
public class ShadowIT extends EmulatorTestSupport {

    private static final String SHADOW_FACTORY_PID = "org.iotgateway.shadow";

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
    public void liveReconfigurationAndDeletion() throws Exception {
        String connectionId = unique("shadow-conn");
        String first = unique("itest-shadow-first");
        String second = unique("itest-shadow-second");
        connectToEmulator(connectionId);

        Configuration configuration = createConfiguration(SHADOW_FACTORY_PID, shadowProperties(first, connectionId));
        ShadowService before = getService(awaitService(ShadowService.class, "(thing.name=" + first + ")"));
        before.report(Map.of("step", "first")).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertTrue(compact(admin("GET", "/shadows/" + first, null)).contains("\"step\":\"first\""));

        // the same configuration now names another thing and a named shadow
        Hashtable<String, Object> changed = shadowProperties(second, connectionId);
        changed.put("shadow.name", "config");
        configuration.update(changed);
        ServiceReference<ShadowService> ref = awaitService(ShadowService.class,
                "(&(thing.name=" + second + ")(shadow.name=config))");
        awaitNoService(ShadowService.class, "(thing.name=" + first + ")");
        ShadowService after = getService(ref);
        assertEquals(second, after.thingName());
        assertEquals("config", after.shadowName());
        after.report(Map.of("step", "second")).toCompletableFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertTrue(compact(after.getAndWait().reported().toString()).contains("step=second"));
        assertTrue("the named shadow 'config' of " + second + " exists on the emulator",
                admin("GET", "/shadows/" + second + "/names", null).contains("config"));

        // deleting the configuration removes the service
        configuration.delete();
        awaitNoService(ShadowService.class, "(thing.name=" + second + ")");
    }

    @Test
    public void invalidConfigurationRegistersNoService() throws Exception {
        String connectionId = unique("shadow-conn");
        connectToEmulator(connectionId);

        AtomicInteger registered = countRegistrations(ShadowService.class);

        // a thing name with a space is not a valid thing name
        createConfiguration(SHADOW_FACTORY_PID, shadowProperties("bad thing", connectionId));
        Thread.sleep(ABSENCE_MS);
        assertEquals("ShadowService services registered for the invalid configuration", 0, registered.get());
        assertTrue(references(ShadowService.class, "(thing.name=bad thing)").isEmpty());
    }

    // ---------------------------------------------------------------------------------- helpers
}
