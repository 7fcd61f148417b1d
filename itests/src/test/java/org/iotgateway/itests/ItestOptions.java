package org.iotgateway.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import java.io.File;

import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam options the tests share. Used on the host only, from {@code @Configuration} methods.
 * <p>
 * Third-party bundles come from the local Maven repository through pax-url-aether
 * ({@code mvn:} URLs, versions from {@code META-INF/maven/dependencies.properties}, which the
 * depends-maven-plugin generates from the itests POM). Our own bundles are installed from the jar
 * files the build just made: failsafe passes their paths in the system properties
 * {@value #API_BUNDLE_PROPERTY} and {@value #MQTT_BUNDLE_PROPERTY}.
 */
public final class ItestOptions {

    /** System property: path of the iotgw-api bundle jar. */
    public static final String API_BUNDLE_PROPERTY = "iotgw.bundle.api";
    /** System property: path of the iotgw-mqtt bundle jar. */
    public static final String MQTT_BUNDLE_PROPERTY = "iotgw.bundle.mqtt";
    /** System property: path of the iotgw-jobs bundle jar. */
    public static final String JOBS_BUNDLE_PROPERTY = "iotgw.bundle.jobs";
    /** System property: path of the iotgw-shadow bundle jar. */
    public static final String SHADOW_BUNDLE_PROPERTY = "iotgw.bundle.shadow";
    /** System property: path of the iotgw-greengrass-discovery bundle jar. */
    public static final String DISCOVERY_BUNDLE_PROPERTY = "iotgw.bundle.greengrass-discovery";
    /** System property: path of the iotgw-events bundle jar. */
    public static final String EVENTS_BUNDLE_PROPERTY = "iotgw.bundle.events";

    private ItestOptions() {
    }

    /**
     * The runtime of a plain gateway: logging, Declarative Services, Configuration Admin, Metatype
     * (with the Log Service it needs), JUnit for the probe and our API bundle.
     *
     * @return the options
     */
    public static Option runtime() {
        return composite(platform(), localBundle(API_BUNDLE_PROPERTY));
    }

    /**
     * {@link #runtime()} without any bundle of ours: what a gateway has before our bundles arrive.
     *
     * @return the options
     */
    public static Option platform() {
        return composite(
                cleanCaches(true),
                systemTimeout(30_000),
                frameworkProperty("org.osgi.framework.storage").value(frameworkStorage()),
                // Felix logs framework errors (e.g. resolution failures) at level 1 by default; keep warnings too
                frameworkProperty("felix.log.level").value("2"),

                // SLF4J 1.7: the API bundle imports org.slf4j.impl, which the simple binding exports
                // (in 1.7.36 slf4j-simple is an ordinary bundle with Require-Bundle: slf4j.api, not a fragment)
                mavenBundle("org.slf4j", "slf4j-api").versionAsInProject(),
                mavenBundle("org.slf4j", "slf4j-simple").versionAsInProject(),

                // OSGi Log Service (Felix Metatype imports org.osgi.service.log)
                mavenBundle("org.apache.felix", "org.apache.felix.log").versionAsInProject(),

                // Declarative Services: Felix SCR and the OSGi API bundles it imports
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),

                // Configuration Admin and Metatype
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.metatype").versionAsInProject(),

                // JUnit and Hamcrest for the probe, and Pax Exam's JUnit invoker
                junitBundles());
    }

    /**
     * The MQTT connection bundle and its Paho dependency.
     *
     * @return the options
     */
    public static Option mqtt() {
        return composite(
                mavenBundle("org.eclipse.paho", "org.eclipse.paho.client.mqttv3").versionAsInProject(),
                localBundle(MQTT_BUNDLE_PROPERTY));
    }

    /**
     * Jackson (core, annotations, databind), which the jobs and greengrass-discovery bundles import.
     *
     * @return the options
     */
    public static Option jackson() {
        return composite(
                mavenBundle("com.fasterxml.jackson.core", "jackson-annotations").versionAsInProject(),
                mavenBundle("com.fasterxml.jackson.core", "jackson-core").versionAsInProject(),
                mavenBundle("com.fasterxml.jackson.core", "jackson-databind").versionAsInProject());
    }

    /**
     * The jobs bundle (with Jackson). Needs {@link #mqtt()} for an IoTConnection.
     *
     * @return the options
     */
    public static Option jobs() {
        return composite(jackson(), localBundle(JOBS_BUNDLE_PROPERTY));
    }

    /**
     * The device shadow bundle, without Jackson (combine with {@link #jobs()} or {@link #jackson()}).
     * Needs {@link #mqtt()} for an IoTConnection.
     *
     * @return the options
     */
    public static Option shadow() {
        return localBundle(SHADOW_BUNDLE_PROPERTY);
    }

    /**
     * The Greengrass discovery bundle, without Jackson (combine with {@link #jobs()} or {@link #jackson()}).
     *
     * @return the options
     */
    public static Option greengrassDiscovery() {
        return localBundle(DISCOVERY_BUNDLE_PROPERTY);
    }

    /**
     * The events bundle (lifecycle events to EventAdmin) and Felix EventAdmin.
     *
     * @return the options
     */
    public static Option events() {
        return composite(
                mavenBundle("org.apache.felix", "org.apache.felix.eventadmin").versionAsInProject(),
                localBundle(EVENTS_BUNDLE_PROPERTY));
    }

    /**
     * @param property the system property holding the path of a bundle jar
     * @return an option installing that file
     */
    static Option localBundle(String property) {
        return bundle(bundleLocation(property));
    }

    /**
     * The location our bundle is installed from. Works on both sides: failsafe sets the system
     * property in the JVM that runs the framework too (the native container), so tests find the
     * bundle by location, whatever its symbolic name.
     *
     * @param property {@value #API_BUNDLE_PROPERTY} or {@value #MQTT_BUNDLE_PROPERTY}
     * @return the file URL of the bundle jar
     */
    public static String bundleLocation(String property) {
        String path = System.getProperty(property);
        if (path == null || path.trim().isEmpty() || path.startsWith("${")) {
            throw new IllegalStateException("System property " + property + " is not set (value: '" + path + "'). "
                    + "Run the integration tests through Maven (mvn -B verify), which points it at the bundle jar.");
        }
        File file = new File(path.trim());
        if (!file.isFile()) {
            throw new IllegalStateException("System property " + property + " = " + path
                    + " is not a jar file; build the bundles first (mvn -B verify at the root of the project).");
        }
        return file.toURI().toString();
    }

    private static String frameworkStorage() {
        String base = System.getProperty("itest.storage");
        File dir = base == null ? new File(System.getProperty("java.io.tmpdir"), "iotgw-itest-framework")
                : new File(base);
        // one framework at a time (one per test class, one after the other); cleanCaches empties it on start
        return new File(dir, "felix").getAbsolutePath();
    }
}
