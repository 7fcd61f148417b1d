package org.iotgateway.greengrass.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.tls.HttpProxy;
import org.iotgateway.tls.SafeSocketFactory;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link GreengrassDiscovery} per factory configuration.
 * <p>
 * The service is registered only while the configuration is valid and its TLS material loads: a broken
 * configuration (missing endpoint, unreadable or malformed CA, certificate or key, key not matching the
 * certificate) is logged naming the property and file, and no service appears. A change of configuration keeps the
 * same service object (apps stay bound); requests already under way finish with the old settings.
 */
@Capability(namespace = "osgi.service",
        attribute = "objectClass:List<String>=org.iotgateway.api.discovery.GreengrassDiscovery")
@Component(configurationPid = DiscoveryComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = DiscoveryConfig.class, factory = true)
public final class DiscoveryComponent {

    /** The factory PID of discovery configurations. */
    public static final String FACTORY_PID = "org.iotgateway.greengrass.discovery";

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryComponent.class);

    private final Object lock = new Object();
    private BundleContext context;
    private DiscoveryClient client;
    private ServiceRegistration<GreengrassDiscovery> registration;

    @Activate
    void activate(BundleContext bundleContext, DiscoveryConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            context = bundleContext;
            apply(config, properties);
        }
    }

    @Modified
    void modified(DiscoveryConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            apply(config, properties);
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            shutdown();
            context = null;
        }
    }

    private void apply(DiscoveryConfig config, Map<String, Object> properties) {
        Object pid = properties.get(Constants.SERVICE_PID);
        DiscoverySettings settings;
        SafeSocketFactory factory;
        HttpProxy proxy;
        try {
            settings = DiscoverySettings.from(config);
            factory = TlsSetup.discovery(settings);
            proxy = TlsSetup.proxy(settings);
        } catch (InvalidConfigurationException e) {
            LOG.error("Greengrass discovery configuration {} is invalid, no GreengrassDiscovery registered: {}", pid,
                    e.getMessage());
            shutdown();
            return;
        }
        if (client == null) {
            client = new DiscoveryClient(settings, factory, proxy, context.getBundle().getVersion().toString());
        } else {
            client.reconfigure(settings, factory, proxy);
        }
        Dictionary<String, Object> serviceProperties = serviceProperties(settings, properties);
        if (registration == null) {
            registration = context.registerService(GreengrassDiscovery.class, client, serviceProperties);
            LOG.info("Registered GreengrassDiscovery: {}", settings);
        } else {
            registration.setProperties(serviceProperties);
            LOG.info("Reconfigured GreengrassDiscovery: {}", settings);
        }
    }

    private void shutdown() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
        if (client != null) {
            client.close();
            client = null;
        }
    }

    private static Dictionary<String, Object> serviceProperties(DiscoverySettings s, Map<String, Object> config) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(GreengrassDiscovery.DISCOVERY_ID, s.discoveryId);
        p.put(GreengrassDiscovery.ENDPOINT, s.endpoint);
        p.put(GreengrassDiscovery.PORT, s.port);
        for (String key : new String[] { Constants.SERVICE_PID, "service.factoryPid" }) {
            Object v = config.get(key);
            if (v != null) {
                p.put(key, v);
            }
        }
        return p;
    }
}
