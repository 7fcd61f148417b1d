package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The runtime itself: Felix boots with DS, Configuration Admin, Metatype, SLF4J, Paho, Jackson and all
 * our bundles, every bundle starts, and every OCD is readable through the MetaTypeService. A bundle that
 * does not resolve fails this test with the framework's explanation (the missing requirement).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkIT {

    private static final List<String> OUR_BUNDLES = List.of(ItestOptions.API_BUNDLE_PROPERTY,
            ItestOptions.MQTT_BUNDLE_PROPERTY, ItestOptions.JOBS_BUNDLE_PROPERTY, ItestOptions.SHADOW_BUNDLE_PROPERTY,
            ItestOptions.DISCOVERY_BUNDLE_PROPERTY, ItestOptions.EVENTS_BUNDLE_PROPERTY);

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypeService;

    @Configuration
    public Option[] configuration() {
        return options(ItestOptions.runtime(), ItestOptions.mqtt(), ItestOptions.jobs(), ItestOptions.shadow(),
                ItestOptions.greengrassDiscovery(), ItestOptions.events());
    }

    @Test
    public void everyBundleIsActive() {
        List<String> problems = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (Bundles.isFragment(b)) {
                if (b.getState() != Bundle.RESOLVED) {
                    problems.add("fragment " + b.getSymbolicName() + " is " + Bundles.state(b) + ", not RESOLVED");
                }
                continue;
            }
            try {
                Bundles.assertActive(b);
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
        }
        assertTrue("bundles not started:\n" + String.join("\n", problems) + "\ninstalled:" + Bundles.describeAll(context),
                problems.isEmpty());
    }

    @Test
    public void ourBundlesAndTheServicesTheyNeedArePresent() {
        Bundles.assertActive(Bundles.ours(context, ItestOptions.API_BUNDLE_PROPERTY));
        Bundles.assertActive(Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY));
        Bundles.assertActive(Bundles.find(context, "org.apache.felix.scr"));
        Bundle slf4jSimple = Bundles.find(context, "slf4j.simple");
        Bundles.assertActive(slf4jSimple);
        assertEquals("slf4j-api logs through slf4j-simple", slf4jSimple,
                packageProvider(Bundles.find(context, "slf4j.api"), "org.slf4j.impl"));
        assertNotNull(configurationAdmin);
        assertNotNull(metaTypeService);
    }

    @Test
    public void everyBundleOfOursIsActive() {
        for (String property : OUR_BUNDLES) {
            Bundles.assertActive(Bundles.ours(context, property));
        }
    }

    /**
     * Every OCD of every bundle of ours is readable through the MetaTypeService, as the Web Console and
     * Kura read it: exactly the five factory PIDs, each with a name, every attribute with a name, a
     * description and a known type, option lists of matching length, and defaults that pass the
     * attribute's own validation.
     */
    @Test
    public void everyOcdIsReadableThroughTheMetaTypeService() {
        Map<String, String> expected = new TreeMap<>(Map.of(
                "org.iotgateway.mqtt.connection", "AWS IoT Connection",
                "org.iotgateway.shadow", "AWS IoT Device Shadow",
                "org.iotgateway.jobs", "AWS IoT Jobs",
                "org.iotgateway.greengrass.discovery", "AWS IoT Greengrass Discovery",
                "org.iotgateway.greengrass.autoconnect", "AWS IoT Greengrass Core Auto-Connect"));
        Map<String, String> found = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (String property : OUR_BUNDLES.subList(1, OUR_BUNDLES.size())) { // all but the API bundle
            Bundle b = Bundles.ours(context, property);
            MetaTypeInformation info = metaTypeService.getMetaTypeInformation(b);
            assertNotNull("metatype information of " + b.getSymbolicName(), info);
            String[] pids = info.getPids();
            assertTrue(b.getSymbolicName() + " has only factory PIDs: " + Arrays.toString(pids), pids == null || pids.length == 0);
            for (String pid : info.getFactoryPids()) {
                ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
                if (ocd == null) {
                    problems.add(pid + ": no OCD");
                    continue;
                }
                found.put(pid, ocd.getName());
                AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
                if (ads == null || ads.length == 0) {
                    problems.add(pid + ": no attributes");
                    continue;
                }
                for (AttributeDefinition ad : ads) {
                    String where = pid + " / " + ad.getID();
                    if (ad.getName() == null || ad.getName().isBlank()) {
                        problems.add(where + ": no name");
                    }
                    if (ad.getDescription() == null || ad.getDescription().isBlank()) {
                        problems.add(where + ": no description");
                    }
                    if (ad.getType() < AttributeDefinition.STRING || ad.getType() > AttributeDefinition.PASSWORD) {
                        problems.add(where + ": type " + ad.getType());
                    }
                    String[] values = ad.getOptionValues();
                    String[] labels = ad.getOptionLabels();
                    if ((values == null) != (labels == null) || values != null && values.length != labels.length) {
                        problems.add(where + ": option values " + Arrays.toString(values) + " vs labels " + Arrays.toString(labels));
                    }
                    String[] defaults = ad.getDefaultValue();
                    if (defaults != null) {
                        for (String d : defaults) {
                            String invalid = ad.validate(d);
                            if (invalid != null && !invalid.isEmpty()) {
                                problems.add(where + ": default '" + d + "' is invalid: " + invalid);
                            }
                        }
                    }
                }
            }
        }
        assertEquals("factory PIDs and OCD names", expected, found);
        assertTrue("OCD problems:\n" + String.join("\n", problems), problems.isEmpty());
    }

    /** @return the bundle whose export the given bundle's import of a package is wired to, or null */
    private static Bundle packageProvider(Bundle importer, String packageName) {
        BundleWiring wiring = importer.adapt(BundleWiring.class);
        assertNotNull(importer.getSymbolicName() + " is not resolved", wiring);
        for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (packageName.equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                return wire.getProvider().getBundle();
            }
        }
        return null;
    }
}
