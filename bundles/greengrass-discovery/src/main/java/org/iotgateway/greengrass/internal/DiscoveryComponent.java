package org.iotgateway.greengrass.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.tls.HttpProxy;
import org.iotgateway.tls.Pkcs11Keys;
import org.iotgateway.tls.SafeSocketFactory;
import org.iotgateway.tls.TlsMaterialException;
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
 * <p>
 * TLS material that may still become usable without a configuration change (files not provisioned yet, a PKCS#11
 * token not plugged in or its module not installed) is checked again, after 1 s and then at doubling intervals up to
 * a minute, and the service appears when it loads; logged once per problem. A PIN the token refused (or a locked
 * PIN) is never tried again with the same configuration: every try counts against the token's retry limit.
 */
@Capability(namespace = "osgi.service",
        attribute = "objectClass:List<String>=org.iotgateway.api.discovery.GreengrassDiscovery")
@Component(configurationPid = DiscoveryComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = DiscoveryConfig.class, factory = true)
public final class DiscoveryComponent {

    /** The factory PID of discovery configurations. */
    public static final String FACTORY_PID = "org.iotgateway.greengrass.discovery";

    /** Prefix of the TLS material re-check thread's name; the configuration's PID follows. */
    static final String RECHECK_THREAD = "iotgw-discovery-tls-wait ";

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryComponent.class);

    /** Delays of the TLS material re-checks (tests shorten them). */
    long recheckFirstDelayMillis = 1_000;
    long recheckMaxDelayMillis = 60_000;

    private final Object lock = new Object();
    private BundleContext context;
    private DiscoveryClient client;
    private ServiceRegistration<GreengrassDiscovery> registration;
    /** Credentials whose PIN the token refused: not tried again until they change. */
    private Credentials refused;
    private String refusal;
    /** While waiting for TLS material: the re-check timer, the problem logged, the next delay. */
    private ScheduledThreadPoolExecutor recheck;
    private String waitingFor;
    private long recheckDelayMillis;

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
            stopRechecks();
            shutdown();
            context = null;
        }
    }

    private void apply(DiscoveryConfig config, Map<String, Object> properties) {
        stopRechecks();
        Object pid = properties.get(Constants.SERVICE_PID);
        DiscoverySettings settings;
        try {
            settings = DiscoverySettings.from(config);
        } catch (InvalidConfigurationException e) {
            LOG.error("Greengrass discovery configuration {} is invalid, no GreengrassDiscovery registered: {}", pid,
                    e.getMessage());
            shutdown();
            return;
        }
        if (refused != null && refused.equals(settings.credentials)) {
            // the same PIN again (an unchanged update): asking the token would count against its retry limit
            LOG.error("Greengrass discovery configuration {}: {}; no GreengrassDiscovery registered, waiting for a "
                    + "configuration change", pid, refusal);
            shutdown();
            return;
        }
        refused = null;
        refusal = null;
        load(settings, properties, pid);
    }

    /** Loads the TLS material and registers or updates the service; on recheckable problems, checks again later. */
    private void load(DiscoverySettings settings, Map<String, Object> properties, Object pid) {
        DeviceKey key;
        SafeSocketFactory factory;
        HttpProxy proxy;
        try {
            key = TlsSetup.deviceKey(settings, this);
            factory = TlsSetup.discovery(settings, key);
            proxy = TlsSetup.proxy(settings);
        } catch (InvalidConfigurationException e) {
            shutdown();
            TlsMaterialException material = e.getCause() instanceof TlsMaterialException
                    ? (TlsMaterialException) e.getCause() : null;
            if (material != null && !material.recheckable()) {
                refused = settings.credentials;
                refusal = e.getMessage();
                LOG.error("Greengrass discovery configuration {}: {}; no GreengrassDiscovery registered, waiting for a "
                        + "configuration change", pid, e.getMessage());
            } else if (material != null) {
                awaitMaterial(settings, properties, pid, e, material);
            } else {
                LOG.error("Greengrass discovery configuration {} is invalid, no GreengrassDiscovery registered: {}",
                        pid, e.getMessage());
            }
            return;
        }
        if (waitingFor != null) {
            LOG.info("Greengrass discovery configuration {}: the TLS material is usable now", pid);
        }
        stopRechecks();
        if (settings.credentials.pkcs11 == null) {
            Pkcs11Keys.release(this); // a token this configuration used before
        }
        if (client == null) {
            client = new DiscoveryClient(settings, key, factory, proxy, context.getBundle().getVersion().toString());
        } else {
            client.reconfigure(settings, key, factory, proxy);
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

    /**
     * The configuration is valid, but its TLS material is not usable yet (missing or unreadable files, an absent
     * token): checks again later, logging once per problem.
     */
    private void awaitMaterial(DiscoverySettings settings, Map<String, Object> properties, Object pid,
            InvalidConfigurationException e,
            TlsMaterialException material) {
        String problem = material.setting() + "|" + material.reason() + "|" + material.file();
        if (!problem.equals(waitingFor)) {
            LOG.warn("Greengrass discovery configuration {}: TLS material not usable, no GreengrassDiscovery "
                    + "registered until it is: {}; checking again (after {} ms, then at most every {} ms)", pid,
                    e.getMessage(), recheckFirstDelayMillis, recheckMaxDelayMillis);
            waitingFor = problem;
            recheckDelayMillis = recheckFirstDelayMillis;
        } else {
            LOG.debug("Greengrass discovery configuration {}: TLS material still not usable: {}", pid, e.getMessage());
            recheckDelayMillis = Math.min(recheckMaxDelayMillis, recheckDelayMillis * 2);
        }
        if (recheck == null) {
            recheck = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, RECHECK_THREAD + pid);
                t.setDaemon(true);
                return t;
            });
            recheck.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }
        ScheduledThreadPoolExecutor timer = recheck;
        timer.schedule(() -> {
            synchronized (lock) {
                if (recheck == timer && context != null) {
                    load(settings, properties, pid);
                }
            }
        }, recheckDelayMillis, TimeUnit.MILLISECONDS);
    }

    private void stopRechecks() {
        if (recheck != null) {
            // not shutdownNow(): this may be the re-check thread itself, about to register the service
            recheck.shutdown();
            recheck = null;
        }
        waitingFor = null;
    }

    private void shutdown() {
        Pkcs11Keys.release(this);
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
