package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.util.ArrayList;
import java.util.List;

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
import org.osgi.service.metatype.MetaTypeService;

/**
 * The runtime itself: Felix boots with DS, Configuration Admin, Metatype, SLF4J, Paho and our
 * bundles, and every bundle starts. A bundle that does not resolve fails this test with the
 * framework's explanation (the missing requirement).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkIT {

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypeService;

    @Configuration
    public Option[] configuration() {
        return options(ItestOptions.runtime(), ItestOptions.mqtt());
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
