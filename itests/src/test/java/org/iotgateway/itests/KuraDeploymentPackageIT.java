package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.deploymentadmin.DeploymentPackage;

/**
 * The Eclipse Kura deployment package ({@code kura-dp}) installed and updated through Apache Felix
 * DeploymentAdmin in a framework set up like a Kura 5.x gateway: SCR, ConfigAdmin, Metatype,
 * EventAdmin, DeploymentAdmin and Paho mqttv3 1.2.1 installed outside any deployment package, none of
 * our bundles up front.
 * <p>
 * The newer package the field update installs is made by the test from the built one: same bundle
 * contents, micro version +1 for the implementation bundles (mqtt, shadow, jobs, greengrass-discovery)
 * and for the package; the API bundle keeps its version, as in a release that does not change the
 * API. DeploymentAdmin only updates bundles whose version changed, so apps wired to the API are not
 * refreshed (restarted) by the update. A DP is a JAR whose manifest has a Name section per bundle, so
 * rewriting Bundle-Version in both places gives exactly what a second build with higher versions
 * would, without a second copy of every bundle in the build.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KuraDeploymentPackageIT {

    /** System property: path of the .dp built by kura-dp. */
    static final String DP_PROPERTY = "iotgw.kura.dp";
    /** System property: path of Paho mqttv3 1.2.1, the version Kura 5.x ships. */
    static final String KURA_PAHO_PROPERTY = "iotgw.kura.paho";

    private static final String DP_NAME = "iotgw-kura";
    private static final String API = "org.iotgateway.api";
    private static final String MQTT = "org.iotgateway.mqtt";
    private static final List<String> IMPLEMENTATIONS = List.of(MQTT, "org.iotgateway.shadow", "org.iotgateway.jobs",
            "org.iotgateway.greengrass-discovery", "org.iotgateway.events", "org.iotgateway.kura");
    private static final String PAHO = "org.eclipse.paho.client.mqttv3";
    private static final String FACTORY_PID = "org.iotgateway.mqtt.connection";

    private static final long TIMEOUT_MS = 20_000;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private DeploymentAdmin deploymentAdmin;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** Host side: the broker, and a framework like a Kura 5.5 gateway before our package arrives. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        int port = TestBroker.ensureStarted();
        return options(
                ItestOptions.platform(),
                mavenBundle("org.apache.felix", "org.apache.felix.eventadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.dependencymanager").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.deploymentadmin").versionAsInProject(),
                bundle(new File(requiredPath(KURA_PAHO_PROPERTY)).toURI().toString()),
                // Kura's API packages, which the adapter in the package imports (our stand-in: the declarations the
                // adapter compiles against, at Kura 5.0's package versions; see KuraIT)
                bundle(new File(requiredPath(KuraIT.KURA_API_BUNDLE)).toURI().toString()),
                systemProperty(TestBroker.PORT_PROPERTY).value(String.valueOf(port)));
    }

    @After
    public void cleanUp() throws Exception {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                System.out.println("cleanup: " + e);
            }
        }
        for (Configuration c : configurations) {
            try {
                c.delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void installThenUpdateWhileAnAppPublishesLosesNothing() throws Exception {
        uninstallIfPresent();
        for (Bundle b : context.getBundles()) {
            String bsn = String.valueOf(b.getSymbolicName());
            // the stand-in for Kura's own API bundle is the only one whose name starts like ours
            assertTrue("no bundle of ours before the package is installed: " + bsn,
                    !bsn.startsWith("org.iotgateway.") || bsn.equals("org.iotgateway.kura.api.decl"));
        }
        Bundle kuraPaho = Bundles.find(context, PAHO);
        assertEquals("the gateway's Paho", new Version(1, 2, 1), kuraPaho.getVersion());

        // ---- install through DeploymentAdmin, from the stream
        DeploymentPackage dp;
        try (InputStream in = Files.newInputStream(dpFile())) {
            dp = deploymentAdmin.installDeploymentPackage(in);
        }
        assertEquals(DP_NAME, dp.getName());
        Version installedVersion = dp.getVersion();
        assertEquals("a three-part package version", "", installedVersion.getQualifier());
        assertNull("Paho stays the gateway's, outside our package", dp.getBundle(PAHO));
        assertEquals("bundles of the package " + Arrays.toString(dp.getBundleInfos()), 1 + IMPLEMENTATIONS.size(),
                dp.getBundleInfos().length);
        for (String bsn : allBundles()) {
            Bundle b = dp.getBundle(bsn);
            assertNotNull(bsn + " is part of the package", b);
            assertEquals("osgi-dp:" + bsn, b.getLocation());
            assertEquals(DP_NAME, deploymentAdmin.getDeploymentPackage(b).getName());
            awaitActive(b);
        }
        assertWiredToGatewayPaho(dp.getBundle(MQTT), kuraPaho);
        Map<String, Version> before = new TreeMap<>();
        for (String bsn : allBundles()) {
            before.put(bsn, dp.getBundle(bsn).getVersion());
        }

        // ---- an observer at the broker (plain Paho, not ours, untouched by the update)
        int port = Integer.parseInt(System.getProperty(TestBroker.PORT_PROPERTY));
        String topic = "kura-dp/" + UUID.randomUUID().toString().substring(0, 8) + "/seq";
        BrokerObserver observer = new BrokerObserver(port, topic);
        closeables.add(observer);
        Map<Integer, AtomicInteger> arrived = observer.arrived();

        // ---- a connection with a disk queue, configured as an app or the Kura UI would
        Path queueDir = Files.createTempDirectory(storageDir(), "kura-dp-queue");
        createConnection("kura", port, "kura-dp-" + UUID.randomUUID().toString().substring(0, 8), queueDir);
        KuraDpApp app = new KuraDpApp(context, "kura");
        closeables.add(app);
        Object first = app.awaitConnected();
        app.publishAndWait(topic, "-1");
        await("the first message at the broker", () -> arrived.containsKey(-1));

        // ---- the newer package, made before the app starts publishing
        byte[] newer = newerPackage(dpFile(), 1);

        // ---- an app publishing continuously; accepted = publish returned a stage (the disk queue took it)
        app.startPublishing(topic);
        await("the app to get 200 publishes accepted", () -> app.accepted.size() >= 200);

        // ---- the field update, while the app publishes
        int acceptedBefore = app.accepted.size();
        long t0 = System.nanoTime();
        DeploymentPackage updated = deploymentAdmin.installDeploymentPackage(new ByteArrayInputStream(newer));
        long updateMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertEquals(DP_NAME, updated.getName());
        assertEquals(bump(installedVersion), updated.getVersion());
        assertEquals("one package installed", 1, deploymentAdmin.listDeploymentPackages().length);
        for (String bsn : IMPLEMENTATIONS) {
            Bundle b = updated.getBundle(bsn);
            assertNotNull(bsn + " is part of the updated package", b);
            assertEquals(bsn + " updated in place", "osgi-dp:" + bsn, b.getLocation());
            assertEquals(bsn + " has the new version", bump(before.get(bsn)), b.getVersion());
            awaitActive(b);
        }
        Bundle api = updated.getBundle(API);
        awaitActive(api);
        assertEquals("the unchanged API bundle keeps its version and is not updated", before.get(API), api.getVersion());
        assertWiredToGatewayPaho(updated.getBundle(MQTT), kuraPaho);

        // ---- the connection comes back and the app keeps publishing through it
        Object second = app.awaitConnected();
        assertTrue("the connection service is a new one after the update", second != first);
        int acceptedAtReconnect = app.accepted.size();
        await("the app to publish 200 more after the update", () -> app.accepted.size() >= acceptedAtReconnect + 200);
        assertTrue("the app stopped publishing", app.stopPublishing());
        assertNull("the app saw no unexpected error: " + app.unexpected.peek(), app.unexpected.peek());

        // ---- every accepted publish reaches the broker (at least once)
        List<Integer> accepted = new ArrayList<>(app.accepted);
        awaitLong("every accepted publish at the broker", () -> missing(accepted, arrived).isEmpty(), 60_000,
                () -> "missing " + missing(accepted, arrived).size() + " of " + accepted.size() + ", e.g. "
                        + missing(accepted, arrived).subList(0, Math.min(10, missing(accepted, arrived).size())));
        long duplicates = arrived.values().stream().mapToInt(AtomicInteger::get).filter(n -> n > 1).mapToLong(n -> n - 1)
                .sum();
        Map<String, Integer> stageFailures = new TreeMap<>(app.stageFailures);
        System.out.printf("KuraDeploymentPackageIT: update of the package took %d ms; accepted %d publishes "
                + "(%d before the update started, %d after the connection came back), rejected %d while the connection "
                + "was going away (%s), %d ms without a connection service; arrived %d distinct, %d duplicates; "
                + "stages failed %s, completed %d%n", updateMillis, accepted.size(), acceptedBefore,
                accepted.size() - acceptedAtReconnect, app.rejected.get(), new TreeMap<>(app.rejections),
                TimeUnit.NANOSECONDS.toMillis(app.noServiceNanos.get()), arrived.size() - 1, duplicates, stageFailures,
                app.completed.get());
    }

    @Test
    public void corruptPackagesAreRejectedAndLeaveTheInstalledOneWorking() throws Exception {
        DeploymentPackage installed = deploymentAdmin.getDeploymentPackage(DP_NAME);
        if (installed == null) {
            try (InputStream in = Files.newInputStream(dpFile())) {
                installed = deploymentAdmin.installDeploymentPackage(in);
            }
        }
        Version version = installed.getVersion();
        Map<String, Version> versions = new TreeMap<>();
        Map<String, Long> ids = new TreeMap<>();
        for (String bsn : allBundles()) {
            Bundle b = installed.getBundle(bsn);
            awaitActive(b);
            versions.put(bsn, b.getVersion());
            ids.put(bsn, b.getBundleId());
        }
        int port = Integer.parseInt(System.getProperty(TestBroker.PORT_PROPERTY));
        createConnection("kura-hostile", port, "kura-dp-" + UUID.randomUUID().toString().substring(0, 8),
                Files.createTempDirectory(storageDir(), "kura-dp-queue"));
        KuraDpApp app = new KuraDpApp(context, "kura-hostile");
        closeables.add(app);
        app.awaitConnected();
        app.publishAndWait("kura-dp/hostile", "before");

        byte[] good = Files.readAllBytes(dpFile());
        // a download cut off half way
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        // a well-formed package whose new mqtt bundle is garbage: DeploymentAdmin must roll back what it did
        // (newer than what is installed: the other test may have updated it already)
        byte[] newer = newerPackage(dpFile(), version.getMicro() - packageVersion(dpFile()).getMicro() + 1);
        byte[] brokenBundle = replaceEntry(newer, MQTT, "this is not a jar".getBytes(StandardCharsets.UTF_8));
        // not a package at all
        byte[] notAJar = "PK but not really a zip".getBytes(StandardCharsets.UTF_8);

        Map<String, byte[]> hostile = new TreeMap<>();
        hostile.put("truncated", truncated);
        hostile.put("corrupt mqtt bundle", brokenBundle);
        hostile.put("not a jar", notAJar);
        for (Map.Entry<String, byte[]> e : hostile.entrySet()) {
            try {
                DeploymentPackage dp = deploymentAdmin.installDeploymentPackage(new ByteArrayInputStream(e.getValue()));
                fail("the " + e.getKey() + " package was installed: " + dp.getName() + " " + dp.getVersion());
            } catch (DeploymentException expected) {
                System.out.println("KuraDeploymentPackageIT: " + e.getKey() + " package rejected, code "
                        + expected.getCode() + ": " + expected.getMessage());
                assertNotNull(e.getKey() + ": the error says why", expected.getMessage());
            }
            DeploymentPackage still = deploymentAdmin.getDeploymentPackage(DP_NAME);
            assertNotNull(e.getKey() + ": the installed package is still there", still);
            assertEquals(e.getKey() + ": package version unchanged", version, still.getVersion());
            for (String bsn : allBundles()) {
                Bundle b = still.getBundle(bsn);
                assertNotNull(e.getKey() + ": " + bsn + " still installed", b);
                assertEquals(e.getKey() + ": " + bsn + " version", versions.get(bsn), b.getVersion());
                assertEquals(e.getKey() + ": " + bsn + " the same bundle", ids.get(bsn), Long.valueOf(b.getBundleId()));
                awaitActive(b);
            }
            // and the connection works
            app.awaitConnected();
            app.publishAndWait("kura-dp/hostile", "after " + e.getKey());
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static List<String> allBundles() {
        List<String> all = new ArrayList<>();
        all.add(API);
        all.addAll(IMPLEMENTATIONS);
        return all;
    }

    private void uninstallIfPresent() throws DeploymentException {
        DeploymentPackage dp = deploymentAdmin.getDeploymentPackage(DP_NAME);
        if (dp != null) {
            dp.uninstall();
        }
    }

    private static void assertWiredToGatewayPaho(Bundle mqtt, Bundle paho) {
        BundleWiring wiring = mqtt.adapt(BundleWiring.class);
        assertNotNull("the mqtt bundle is resolved", wiring);
        boolean found = false;
        for (BundleWire w : wiring.getRequiredWires(BundleRevision.PACKAGE_NAMESPACE)) {
            Object pkg = w.getCapability().getAttributes().get(BundleRevision.PACKAGE_NAMESPACE);
            if (PAHO.equals(pkg)) {
                assertEquals("the mqtt bundle imports Paho from the gateway's 1.2.1 bundle", paho,
                        w.getProvider().getBundle());
                found = true;
            }
        }
        assertTrue("the mqtt bundle imports " + PAHO, found);
    }

    private void createConnection(String id, int port, String clientId, Path queueDir) throws IOException {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", id);
        p.put("endpoint", "127.0.0.1");
        p.put("port", port);
        p.put("transport", "tcp");
        p.put("client.id", clientId);
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("queue.storage", "disk");
        p.put("queue.directory", queueDir.toString());
        p.put("queue.size", -1);
        p.put("queue.drain.frequency", 0.0d);
        p.put("operation.timeout", 10);
        Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY_PID, "?");
        configurations.add(c);
        c.update(p);
    }

    private static void awaitActive(Bundle b) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (b.getState() != Bundle.ACTIVE && System.nanoTime() < deadline) {
            sleepQuietly(50);
        }
        Bundles.assertActive(b);
    }

    private static List<Integer> missing(List<Integer> accepted, Map<Integer, AtomicInteger> arrived) {
        List<Integer> missing = new ArrayList<>();
        for (Integer n : accepted) {
            if (!arrived.containsKey(n)) {
                missing.add(n);
            }
        }
        return missing;
    }

    private static void await(String what, BooleanSupplier condition) {
        awaitLong(what, condition, TIMEOUT_MS, () -> "");
    }

    private static void awaitLong(String what, BooleanSupplier condition, long timeoutMs,
            java.util.function.Supplier<String> detail) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeoutMs + " ms waiting for " + what + " " + detail.get());
            }
            sleepQuietly(50);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String requiredPath(String property) {
        String path = System.getProperty(property);
        if (path == null || path.isBlank() || path.startsWith("${") || !new File(path).isFile()) {
            throw new IllegalStateException("System property " + property + " = " + path
                    + " is not a file; run the integration tests through Maven (mvn -B verify)");
        }
        return path;
    }

    private static Path dpFile() {
        return new File(requiredPath(DP_PROPERTY)).toPath();
    }

    private static Path storageDir() throws IOException {
        Path dir = new File(System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"))).toPath();
        Files.createDirectories(dir);
        return dir;
    }

    // ------------------------------------------------------------- making the newer package

    private static Version bump(Version v) {
        return bump(v, 1);
    }

    private static Version bump(Version v, int steps) {
        return new Version(v.getMajor(), v.getMinor(), v.getMicro() + steps, v.getQualifier());
    }

    private static Version packageVersion(Path dp) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(dp))) {
            return Version.parseVersion(in.getManifest().getMainAttributes().getValue("DeploymentPackage-Version"));
        }
    }

    /**
     * The package at {@code dp} with micro versions + {@code steps}: of the package, and of the implementation
     * bundles (in their Name sections and in their own manifests). The API bundle is left as it is.
     */
    private static byte[] newerPackage(Path dp, int steps) throws IOException {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(dp))) {
            Manifest manifest = new Manifest(in.getManifest());
            Version packageVersion = Version.parseVersion(manifest.getMainAttributes().getValue("DeploymentPackage-Version"));
            manifest.getMainAttributes().putValue("DeploymentPackage-Version", bump(packageVersion, steps).toString());
            Map<String, Version> bumped = new TreeMap<>();
            for (Map.Entry<String, Attributes> e : manifest.getEntries().entrySet()) {
                String bsn = e.getValue().getValue("Bundle-SymbolicName");
                if (IMPLEMENTATIONS.contains(bsn)) {
                    Version v = bump(Version.parseVersion(e.getValue().getValue("Bundle-Version")), steps);
                    e.getValue().putValue("Bundle-Version", v.toString());
                    bumped.put(e.getKey(), v);
                }
            }
            assertEquals("implementation bundles in the package", Set.copyOf(IMPLEMENTATIONS).size(), bumped.size());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    byte[] content = in.readAllBytes();
                    Version v = bumped.get(e.getName());
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(v == null ? content : withBundleVersion(content, v));
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        }
    }

    private static byte[] withBundleVersion(byte[] bundle, Version version) throws IOException {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bundle))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version.toString());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(in.readAllBytes());
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        }
    }

    /** The package with the content of bundle {@code bsn} replaced by {@code content}. */
    private static byte[] replaceEntry(byte[] dp, String bsn, byte[] content) throws IOException {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(dp))) {
            Manifest manifest = in.getManifest();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean replaced = false;
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    byte[] original = in.readAllBytes();
                    Attributes a = manifest.getAttributes(e.getName());
                    boolean match = a != null && bsn.equals(a.getValue("Bundle-SymbolicName"));
                    replaced |= match;
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(match ? content : original);
                    out.closeEntry();
                }
            }
            assertTrue(bsn + " replaced", replaced);
            return bytes.toByteArray();
        }
    }
}
