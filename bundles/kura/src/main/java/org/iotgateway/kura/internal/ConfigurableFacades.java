package org.iotgateway.kura.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every configuration of the core factory PIDs a Kura-managed component. Kura's ConfigurationService only
 * manages services implementing ConfigurableComponent with {@code kura.service.pid} and {@code service.pid}; the
 * core components are plain OSGi, so for each configuration this component registers a facade with those
 * properties (the configuration's own {@code kura.service.pid}, or its ConfigurationAdmin PID when it was made
 * outside Kura). Kura reads the form (OCD) from the core bundle's {@code OSGI-INF/metatype/<factory pid>.xml}, as
 * it does for every bundle's metatype, and writes changes through ConfigurationAdmin to the core component.
 * <p>
 * Connection configurations get an {@link AwsCloudEndpoint} instead, which is also the Kura cloud connection
 * (CloudEndpoint, CloudConnectionManager); it is hidden from Kura's service list ({@code kura.ui.service.hide})
 * because Kura shows it on the Cloud Connections page.
 */
@Component(immediate = true, service = ConfigurationListener.class)
public final class ConfigurableFacades implements ConfigurationListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurableFacades.class);

    @Reference
    private ConfigurationAdmin configAdmin;

    private final Object lock = new Object();
    private final Map<String, Registered> registered = new HashMap<>();
    private BundleContext context;

    private static final class Registered {
        final ServiceRegistration<?> registration;
        final AwsCloudEndpoint endpoint;
        final String kuraPid;

        Registered(ServiceRegistration<?> registration, AwsCloudEndpoint endpoint, String kuraPid) {
            this.registration = registration;
            this.endpoint = endpoint;
            this.kuraPid = kuraPid;
        }
    }

    @Activate
    void activate(BundleContext bundleContext) throws IOException, InvalidSyntaxException {
        synchronized (lock) {
            context = bundleContext;
        }
        StringBuilder filter = new StringBuilder("(|");
        for (String pid : KuraProperties.CORE_FACTORY_PIDS) {
            filter.append("(service.factoryPid=").append(pid).append(')');
        }
        Configuration[] configurations = configAdmin.listConfigurations(filter.append(')').toString());
        if (configurations != null) {
            for (Configuration c : configurations) {
                update(c.getPid(), c.getFactoryPid(), c.getProperties());
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            for (Registered r : registered.values()) {
                unregister(r);
            }
            registered.clear();
            context = null;
        }
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        String factoryPid = event.getFactoryPid();
        if (factoryPid == null || !KuraProperties.CORE_FACTORY_PIDS.contains(factoryPid)) {
            return;
        }
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            remove(event.getPid());
            return;
        }
        try {
            Configuration[] c = configAdmin.listConfigurations("(service.pid=" + KuraProperties.escape(event.getPid())
                    + ")");
            if (c == null || c.length == 0) {
                remove(event.getPid());
            } else {
                update(c[0].getPid(), c[0].getFactoryPid(), c[0].getProperties());
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Cannot read configuration {}: {}", event.getPid(), e.toString());
        }
    }

    private void update(String servicePid, String factoryPid, Dictionary<String, Object> properties) {
        if (properties == null) {
            return;
        }
        Object kura = properties.get(KuraProperties.KURA_SERVICE_PID);
        String kuraPid = kura instanceof String && !((String) kura).isEmpty() ? (String) kura : servicePid;
        Hashtable<String, Object> serviceProperties = new Hashtable<>();
        serviceProperties.put(KuraProperties.KURA_SERVICE_PID, kuraPid);
        serviceProperties.put("service.pid", servicePid);
        serviceProperties.put(KuraProperties.SERVICE_FACTORY_PID, factoryPid);
        boolean connection = KuraProperties.CONNECTION_PID.equals(factoryPid);
        if (connection) {
            serviceProperties.put(KuraProperties.UI_SERVICE_HIDE, Boolean.TRUE);
            serviceProperties.put(KuraProperties.KURA_CLOUD_CONNECTION_FACTORY_PID,
                    KuraProperties.CONNECTION_FACTORY_COMPONENT);
        }
        synchronized (lock) {
            if (context == null) {
                return;
            }
            Registered existing = registered.get(servicePid);
            if (existing != null && existing.kuraPid.equals(kuraPid)) {
                existing.registration.setProperties(serviceProperties);
                return;
            }
            if (existing != null) {
                // Kura tracks components by kura.service.pid: a new one means a new registration
                unregister(existing);
            }
            Registered r;
            if (connection) {
                AwsCloudEndpoint endpoint = new AwsCloudEndpoint(context, kuraPid, servicePid);
                endpoint.open();
                r = new Registered(context.registerService(new String[] { AwsCloudEndpoint.CONFIGURABLE,
                        AwsCloudEndpoint.ENDPOINT, AwsCloudEndpoint.MANAGER }, endpoint, serviceProperties), endpoint,
                        kuraPid);
            } else {
                r = new Registered(context.registerService(AwsCloudEndpoint.CONFIGURABLE,
                        new ConfigurableFacade(servicePid), serviceProperties), null, kuraPid);
            }
            registered.put(servicePid, r);
            LOG.info("Kura component {} ({} configuration {}) registered", kuraPid, factoryPid, servicePid);
        }
    }

    private void remove(String servicePid) {
        synchronized (lock) {
            Registered r = registered.remove(servicePid);
            if (r != null) {
                unregister(r);
                LOG.info("Kura component {} (configuration {}) removed", r.kuraPid, servicePid);
            }
        }
    }

    private static void unregister(Registered r) {
        try {
            r.registration.unregister();
        } catch (IllegalStateException e) {
            // already gone
        }
        if (r.endpoint != null) {
            r.endpoint.close();
        }
    }
}
