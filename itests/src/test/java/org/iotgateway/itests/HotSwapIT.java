package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.itests.app.HotSwapApp;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;

/**
 * Hot swap: a gateway app bound to IoTConnection, ShadowService and JobsService (a DS component with optional,
 * dynamic, greedy references, in a bundle bnd builds from {@code org.iotgateway.itests.app}) keeps working while
 * (a) the connection's configuration changes endpoint, (b) the mqtt bundle is updated to a higher version and
 * refreshed, (c) the mqtt bundle is stopped and started. The connection uses a disk queue and the app publishes
 * with QoS 1 all along.
 * <p>
 * <b>Accepted</b>, from the API contract ({@link IoTConnection#publish}, README "Rules a caller can rely on"):
 * {@code publish} returned a stage instead of throwing (it throws {@code ConnectionClosedException} on a closed
 * connection, and for invalid requests), and the stage did not fail with {@code NotConnectedException} (queue
 * disabled), {@code QueueFullException} (queue full or evicted) or {@code QueueStorageException} (the disk queue
 * could not store it). A stage that completes normally was acknowledged by the broker; a stage that fails with
 * {@code ConnectionClosedException} because the provider went away was accepted too: with a disk queue the
 * message stays in the journal and is delivered when the connection starts again. A publish the app could not
 * even attempt (no IoTConnection bound during the swap) was not accepted. Every accepted publish must arrive at
 * the broker at least once (observed by an independent Paho subscriber); duplicates are counted and reported.
 * After each swap a shadow update and a job run (to SUCCEEDED, on the emulator) go through the app's bindings.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapIT extends EmulatorTestSupport {

    private static final String SHADOW_FACTORY_PID = "org.iotgateway.shadow";
    private static final String JOBS_FACTORY_PID = "org.iotgateway.jobs";
    /** The app publishes one message per interval. */
    private static final long PUBLISH_INTERVAL_MS = 5;
    /** Acknowledged publishes before a swap starts, and again after it, while the app keeps publishing. */
    private static final int ACKS_AROUND_A_SWAP = 100;
    /** Bound for every accepted publish to arrive, and every stage to complete, after the swap. */
    private static final long DELIVERY_TIMEOUT_MS = 30_000;

    private HotSwapApp app;
    private Configuration connectionConfiguration;
    private Hashtable<String, Object> connectionProperties;
    private BrokerSubscriber observer;
    private TcpRelay relay;
    private String topic;

    /** Host side: starts the emulator, builds the app bundle, provisions the framework. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        TestEmulator.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jobs(),
                ItestOptions.shadow(),
                bundle(AppBundle.build()),
                systemProperty(TestEmulator.MQTT_PORT_PROPERTY).value(System.getProperty(TestEmulator.MQTT_PORT_PROPERTY)),
                systemProperty(TestEmulator.ADMIN_PORT_PROPERTY).value(System.getProperty(TestEmulator.ADMIN_PORT_PROPERTY)));
    }

    /**
     * The probe holds every test class, the app's too; importing the app's package makes the probe use the app
     * bundle's HotSwapApp (an import wins over a bundle's own content), so that the service is visible to it.
     * ({@code ignorePackageOf} only writes a bnd instruction that Pax Exam's classic probe builder ignores.)
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder builder) {
        // optional: Pax Exam's probe builder keeps this header for the test classes that run after this one in
        // the same JVM, whose frameworks have no app bundle
        return builder.setHeader(Constants.IMPORT_PACKAGE, HotSwapApp.class.getPackageName() + ";resolution:=optional");
    }

    @Before
    public void connectionShadowJobsAndTheApp() throws Exception {
        connectionProperties = emulatorConnectionProperties(HotSwapApp.CONNECTION_ID);
        connectionProperties.put("client.id", unique("hotswap"));
        connectionProperties.put("queue.storage", "disk");
        connectionConfiguration = createConfiguration(CONNECTION_FACTORY_PID, connectionProperties);
        awaitConnected(HotSwapApp.CONNECTION_ID);
        createConfiguration(SHADOW_FACTORY_PID, shadowProperties(HotSwapApp.THING_NAME, HotSwapApp.CONNECTION_ID));
        createConfiguration(JOBS_FACTORY_PID, jobsProperties(HotSwapApp.THING_NAME, HotSwapApp.CONNECTION_ID));

        Bundle appBundle = Bundles.find(context, AppBundle.SYMBOLIC_NAME);
        Bundles.assertActive(appBundle);
        app = getService(awaitService(HotSwapApp.class, null));
        assertEquals("the app's classes come from the app bundle", appBundle,
                org.osgi.framework.FrameworkUtil.getBundle(app.getClass()));
        await("the app to be bound to IoTConnection, ShadowService and JobsService", app::allBound,
                () -> "bind counts " + app.bindCounts());

        topic = "itest/hotswap/" + unique("run");
        observer = new BrokerSubscriber(emulatorMqttPort(), unique("hotswap-observer"), topic);
        shadowAndJobsWork("before");
    }

    @After
    public void stopTheAppAndTheObserver() throws Exception {
        if (app != null) {
            app.stopPublishing();
        }
        if (observer != null) {
            observer.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void connectionConfigurationChangesEndpoint() throws Exception {
        relay = new TcpRelay(emulatorMqttPort());
        String before = String.valueOf(references(IoTConnection.class, "(connection.id=" + HotSwapApp.CONNECTION_ID + ")")
                .get(0).getProperty(Constants.SERVICE_ID));
        swapWhilePublishing("endpoint change", () -> {
            Hashtable<String, Object> p = new Hashtable<>(connectionProperties);
            p.put("endpoint", "localhost");
            p.put("port", relay.port());
            connectionConfiguration.update(p);
            awaitService(IoTConnection.class,
                    "(&(connection.id=" + HotSwapApp.CONNECTION_ID + ")(endpoint=localhost)(port=" + relay.port() + "))");
        });
        assertTrue("the connection went through the new endpoint", relay.acceptedConnections() >= 1);
        assertEquals("a configuration change updates the registration in place", before,
                String.valueOf(references(IoTConnection.class, "(connection.id=" + HotSwapApp.CONNECTION_ID + ")").get(0)
                        .getProperty(Constants.SERVICE_ID)));
    }

    @Test
    public void mqttBundleIsUpdatedToANewVersion() throws Exception {
        Bundle mqtt = Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY);
        Version old = mqtt.getVersion();
        Version next = new Version(old.getMajor(), old.getMinor(), old.getMicro() + 1, "hotswap");
        File updated = withBundleVersion(URI.create(ItestOptions.bundleLocation(ItestOptions.MQTT_BUNDLE_PROPERTY)), next);

        swapWhilePublishing("update to " + next, () -> {
            try (InputStream in = new FileInputStream(updated)) {
                mqtt.update(in);
            }
            refresh(mqtt);
        });

        assertEquals("the updated revision is installed", next, mqtt.getVersion());
        Bundles.assertActive(mqtt);
        assertEquals("the app is bound to the IoTConnection of the new version", next.toString(),
                app.connectionProviderVersion());
    }

    @Test
    public void mqttBundleIsStoppedAndStarted() throws Exception {
        Bundle mqtt = Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY);
        swapWhilePublishing("stop and start", () -> {
            mqtt.stop();
            awaitNoService(IoTConnection.class, "(connection.id=" + HotSwapApp.CONNECTION_ID + ")");
            // the app keeps trying while there is no provider at all
            Thread.sleep(300);
            mqtt.start();
        });
        Bundles.assertActive(mqtt);
    }

    // ---------------------------------------------------------------------------------- the scenario

    private interface Swap {
        void run() throws Exception;
    }

    private void swapWhilePublishing(String name, Swap swap) throws Exception {
        app.startPublishing(topic, PUBLISH_INTERVAL_MS);
        await("the app to get " + ACKS_AROUND_A_SWAP + " publishes acknowledged before the swap",
                () -> count(app.outcomes(), HotSwapApp.ACKNOWLEDGED) >= ACKS_AROUND_A_SWAP, () -> summary(app.outcomes()));
        int attemptsBefore = app.outcomes().size();

        long started = System.nanoTime();
        swap.run();
        awaitConnected(HotSwapApp.CONNECTION_ID);
        await("the app to be bound to all three services again after the " + name, app::allBound,
                () -> "bind counts " + app.bindCounts());
        long swapMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // keep publishing a while on the new provider
        int acknowledgedSoFar = count(app.outcomes(), HotSwapApp.ACKNOWLEDGED);
        await("the app to get " + ACKS_AROUND_A_SWAP + " more publishes acknowledged after the " + name,
                () -> count(app.outcomes(), HotSwapApp.ACKNOWLEDGED) >= acknowledgedSoFar + ACKS_AROUND_A_SWAP,
                () -> summary(app.outcomes()));
        app.stopPublishing();

        assertEveryAcceptedPublishArrived(name, attemptsBefore, swapMillis);
        shadowAndJobsWork(name);
    }

    private void assertEveryAcceptedPublishArrived(String name, int attemptsBefore, long swapMillis) {
        // every stage completes: acknowledged, or failed for a reason the contract names
        await(DELIVERY_TIMEOUT_MS, "every publish stage of the app to complete after the " + name,
                () -> count(app.outcomes(), HotSwapApp.PENDING) == 0, () -> summary(app.outcomes()));
        Map<Integer, String> outcomes = app.outcomes();
        List<String> unexpected = new ArrayList<>();
        List<Integer> accepted = new ArrayList<>();
        for (Map.Entry<Integer, String> e : outcomes.entrySet()) {
            switch (classify(e.getValue())) {
                case ACCEPTED:
                    accepted.add(e.getKey());
                    break;
                case NOT_ACCEPTED:
                    break;
                default:
                    unexpected.add(e.getKey() + "=" + e.getValue());
            }
        }
        assertTrue("publish outcomes the API contract does not allow here: " + unexpected, unexpected.isEmpty());

        AtomicReference<List<Integer>> missing = new AtomicReference<>(List.of());
        await(DELIVERY_TIMEOUT_MS, "every accepted publish to arrive at the broker after the " + name, () -> {
            Map<Integer, Integer> received = observer.received();
            List<Integer> m = new ArrayList<>();
            for (Integer seq : accepted) {
                if (!received.containsKey(seq)) {
                    m.add(seq);
                }
            }
            missing.set(m);
            return m.isEmpty();
        }, () -> "; missing " + missing.get().size() + " of " + accepted.size() + ": " + head(missing.get()) + "; "
                + summary(outcomes));

        Map<Integer, Integer> received = observer.received();
        int duplicates = 0;
        List<Integer> duplicated = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : received.entrySet()) {
            if (e.getValue() > 1) {
                duplicates += e.getValue() - 1;
                duplicated.add(e.getKey());
            }
        }
        int unacceptedButArrived = 0;
        for (Integer seq : received.keySet()) {
            if (classify(outcomes.getOrDefault(seq, "")) != Kind.ACCEPTED) {
                unacceptedButArrived++;
            }
        }
        System.out.printf("HotSwapIT %s: swap took %d ms; %d publish attempts (%d before the swap): %s; %d accepted, all "
                + "arrived; %d duplicate deliveries (%s); %d not accepted but arrived; %d unparsable%n", name, swapMillis,
                outcomes.size(), attemptsBefore, summary(outcomes), accepted.size(), duplicates, head(duplicated),
                unacceptedButArrived, observer.unparsable());
        assertEquals("payloads on the topic that are not the app's sequence numbers", 0, observer.unparsable());
    }

    private enum Kind { ACCEPTED, NOT_ACCEPTED, UNEXPECTED }

    private static Kind classify(String outcome) {
        if (HotSwapApp.ACKNOWLEDGED.equals(outcome) || HotSwapApp.PENDING.equals(outcome)) {
            return Kind.ACCEPTED;
        }
        if ((HotSwapApp.FAILED + "ConnectionClosedException").equals(outcome)) {
            return Kind.ACCEPTED; // kept in the disk queue, delivered by the next connection
        }
        if (HotSwapApp.NO_SERVICE.equals(outcome) || (HotSwapApp.THREW + "ConnectionClosedException").equals(outcome)) {
            return Kind.NOT_ACCEPTED;
        }
        // FAILED:NotConnectedException / QueueFullException / QueueStorageException are refusals the contract
        // allows, but none may happen here (the disk queue is enabled, large and healthy); anything else neither
        return Kind.UNEXPECTED;
    }

    // ---------------------------------------------------------------------------------- shadow and jobs

    /** A shadow update and a job run to SUCCEEDED, both through the app's bindings. */
    private void shadowAndJobsWork(String stage) throws Exception {
        Map<String, Object> reported = app.reportShadow(Map.of("stage", stage));
        assertEquals("the shadow service answered with the reported state", stage, reported.get("stage"));
        String shadow = admin("GET", "/shadows/" + HotSwapApp.THING_NAME, null);
        assertTrue("the emulator's shadow has the reported stage '" + stage + "': " + shadow,
                shadow.contains("\"stage\"") && shadow.contains("\"" + stage + "\""));

        String jobId = unique("hotswap-job");
        admin("POST", "/jobs", "{\"jobId\":\"" + jobId + "\",\"document\":{\"operation\":\"" + HotSwapApp.JOB_OPERATION
                + "\"},\"things\":[\"" + HotSwapApp.THING_NAME + "\"]}");
        String path = "/things/" + HotSwapApp.THING_NAME + "/jobs/" + jobId;
        await("job " + jobId + " (after: " + stage + ") to be SUCCEEDED on the emulator",
                () -> hasStatus(adminOrError(path), "SUCCEEDED"), () -> adminOrError(path));
        assertTrue("the app's JobHandler ran " + jobId + "; it ran " + app.jobsRun(), app.jobsRun().contains(jobId));
        assertFalse("no longer pending through the app's JobsService", app.pendingJobs().contains(jobId));
    }

    // ---------------------------------------------------------------------------------- the update

    /** Copies a bundle jar with another Bundle-Version, as a rebuilt release of the same bundle. */
    private static File withBundleVersion(URI jar, Version version) throws IOException {
        String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
        File out = new File(base, "iotgw-mqtt-" + version + ".jar");
        try (JarInputStream in = new JarInputStream(new FileInputStream(new File(jar)))) {
            Manifest manifest = new Manifest(in.getManifest());
            Attributes main = manifest.getMainAttributes();
            assertNotNull("the mqtt jar has a Bundle-Version", main.getValue(Constants.BUNDLE_VERSION));
            main.putValue(Constants.BUNDLE_VERSION, version.toString());
            try (JarOutputStream o = new JarOutputStream(new FileOutputStream(out), manifest)) {
                JarEntry entry;
                while ((entry = in.getNextJarEntry()) != null) {
                    o.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(o);
                    o.closeEntry();
                }
            }
        }
        return out;
    }

    /** Refreshes the bundle through FrameworkWiring, as a management agent does after an update, and waits. */
    private void refresh(Bundle b) throws InterruptedException {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<FrameworkEvent> event = new AtomicReference<>();
        wiring.refreshBundles(List.of(b), e -> {
            event.set(e);
            done.countDown();
        });
        assertTrue("the refresh did not finish within " + TIMEOUT_MS + " ms", done.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        assertEquals("refresh result " + event.get().getThrowable(), FrameworkEvent.PACKAGES_REFRESHED, event.get().getType());
    }

    // ---------------------------------------------------------------------------------- reporting

    private static int count(Map<Integer, String> outcomes, String outcome) {
        int n = 0;
        for (String o : outcomes.values()) {
            if (o.equals(outcome)) {
                n++;
            }
        }
        return n;
    }

    private static String summary(Map<Integer, String> outcomes) {
        Map<String, Integer> counts = new TreeMap<>();
        outcomes.values().forEach(o -> counts.merge(o, 1, Integer::sum));
        return "outcomes " + counts;
    }

    private static String head(List<Integer> list) {
        return list.size() <= 20 ? list.toString() : list.subList(0, 20) + "...";
    }
}
