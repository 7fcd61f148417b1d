package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Inject;

import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The Greengrass discovery bundle in a real framework: it resolves (Jackson, the API, Configuration
 * Admin) and starts, its two OCDs are readable, and a discovery configuration whose key file does not
 * exist registers no GreengrassDiscovery service. (No discovery request is made: a working
 * configuration needs device credentials and the emulator's TLS discovery listener.)
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DiscoveryIT {

    private static final String DISCOVERY_FACTORY_PID = "org.iotgateway.greengrass.discovery";
    private static final String AUTOCONNECT_FACTORY_PID = "org.iotgateway.greengrass.autoconnect";
    private static final long ABSENCE_MS = 1_500;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypeService;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceListener> listeners = new ArrayList<>();

    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jackson(),
                ItestOptions.greengrassDiscovery());
    }

    @After
    public void cleanUp() {
        for (ServiceListener l : listeners) {
            context.removeServiceListener(l);
        }
        for (Configuration c : configurations) {
            try {
                c.delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
    }

    @Test
    public void bundleIsActiveAndBothOcdsAreReadable() {
        Bundle discovery = Bundles.ours(context, ItestOptions.DISCOVERY_BUNDLE_PROPERTY);
        Bundles.assertActive(discovery);
        assertEquals("org.iotgateway.greengrass-discovery", discovery.getSymbolicName());

        MetaTypeInformation info = metaTypeService.getMetaTypeInformation(discovery);
        assertNotNull("metatype information of the discovery bundle", info);
        List<String> factoryPids = Arrays.asList(info.getFactoryPids());
        assertTrue("factory PIDs " + factoryPids,
                factoryPids.containsAll(Arrays.asList(DISCOVERY_FACTORY_PID, AUTOCONNECT_FACTORY_PID)));

        ObjectClassDefinition discoveryOcd = info.getObjectClassDefinition(DISCOVERY_FACTORY_PID, null);
        assertEquals("AWS IoT Greengrass Discovery", discoveryOcd.getName());
        assertTrue(ids(discoveryOcd).containsAll(Arrays.asList("discovery.id", "endpoint", "port", "ca.file",
                "cert.file", "key.file")));

        ObjectClassDefinition autoConnectOcd = info.getObjectClassDefinition(AUTOCONNECT_FACTORY_PID, null);
        assertEquals("AWS IoT Greengrass Core Auto-Connect", autoConnectOcd.getName());
        assertTrue(ids(autoConnectOcd).containsAll(Arrays.asList("thing.name", "GreengrassDiscovery.target",
                "connection.id")));
    }

    @Test
    public void missingKeyFileRegistersNoService() throws Exception {
        AtomicInteger registered = new AtomicInteger();
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                registered.incrementAndGet();
            }
        };
        context.addServiceListener(listener, "(objectClass=" + GreengrassDiscovery.class.getName() + ")");
        listeners.add(listener);

        File missing = new File(System.getProperty("itest.storage", System.getProperty("java.io.tmpdir")),
                "no-such-dir");
        assertFalse(missing.exists());
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("discovery.id", "itest-missing-key");
        p.put("endpoint", "127.0.0.1");
        p.put("port", 8443);
        p.put("cert.file", new File(missing, "device.pem.crt").getAbsolutePath());
        p.put("key.file", new File(missing, "device.pem.key").getAbsolutePath());
        Configuration c = configurationAdmin.createFactoryConfiguration(DISCOVERY_FACTORY_PID, "?");
        configurations.add(c);
        c.update(p);

        Thread.sleep(ABSENCE_MS);
        assertEquals("GreengrassDiscovery services registered", 0, registered.get());
        assertTrue(context.getServiceReferences(GreengrassDiscovery.class, "(discovery.id=itest-missing-key)").isEmpty());
        Bundles.assertActive(Bundles.ours(context, ItestOptions.DISCOVERY_BUNDLE_PROPERTY));
    }

    private static List<String> ids(ObjectClassDefinition ocd) {
        List<String> ids = new ArrayList<>();
        Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)).forEach(ad -> ids.add(ad.getID()));
        return ids;
    }
}
