package org.iotgateway.greengrass.internal;

import java.io.File;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Greengrass core auto-connect per factory configuration: runs an {@link AutoConnectEngine} that keeps the
 * connection configuration marked {@code greengrass.discovery=<this configuration's PID>} pointed at a reachable
 * core of the thing.
 * <p>
 * It uses the {@link GreengrassDiscovery} selected by {@code GreengrassDiscovery.target} (its endpoint and device
 * credentials; the credentials go into the connection configuration too), ConfigurationAdmin to write the
 * connection configuration, and watches the {@link IoTConnection} services to see whether the connection with the
 * configured id is connected.
 * <p>
 * Stopping or updating this bundle leaves the connection configuration as it is, so apps keep their connection;
 * deleting this component's configuration deletes the connection configuration and the stored CA files.
 */
@Component(configurationPid = AutoConnectComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = AutoConnectConfig.class, factory = true)
public final class AutoConnectComponent {

    /** The factory PID of auto-connect configurations. */
    public static final String FACTORY_PID = "org.iotgateway.greengrass.autoconnect";

    private static final Logger LOG = LoggerFactory.getLogger(AutoConnectComponent.class);

    /** ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED (DS 1.1), without importing its package. */
    static final int CONFIGURATION_DELETED = 4;

    @Reference(name = "GreengrassDiscovery")
    private GreengrassDiscovery discovery;

    @Reference
    private ConfigurationAdmin configurationAdmin;

    private final Map<IoTConnection, String> connections = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private BundleContext context;
    private AutoConnectEngine engine;
    private CaStore caStore;
    private String marker;
    private volatile String connectionId;

    @Activate
    void activate(BundleContext bundleContext, AutoConnectConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            context = bundleContext;
            apply(config, properties);
        }
    }

    @Modified
    void modified(AutoConnectConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            apply(config, properties);
        }
    }

    @Deactivate
    void deactivate(int reason) {
        synchronized (lock) {
            stopEngine();
            if (reason == CONFIGURATION_DELETED && marker != null) {
                try {
                    if (new ConfigAdminWriter(configurationAdmin).delete(marker)) {
                        LOG.info("Greengrass auto-connect {} removed: deleted its connection configuration", marker);
                    }
                    if (caStore != null) {
                        caStore.deleteAll();
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Greengrass auto-connect {} removed, but its connection configuration or CA files could "
                            + "not be deleted: {}", marker, e.toString());
                }
            }
            context = null;
        }
    }

    private void apply(AutoConnectConfig config, Map<String, Object> properties) {
        stopEngine();
        marker = String.valueOf(properties.get(Constants.SERVICE_PID));
        AutoConnectSettings settings;
        try {
            settings = AutoConnectSettings.from(config);
        } catch (InvalidConfigurationException e) {
            LOG.error("Greengrass auto-connect configuration {} is invalid, not started: {}", marker, e.getMessage());
            return;
        }
        if (!(discovery instanceof DiscoveryClient)) {
            LOG.error("Greengrass auto-connect configuration {}: the GreengrassDiscovery service {} is not one of this "
                    + "bundle's, so its device credentials are unknown; select one with GreengrassDiscovery.target",
                    marker, discovery);
            return;
        }
        DiscoveryClient client = (DiscoveryClient) discovery;
        File data = context.getDataFile("greengrass-ca" + File.separator + CaStore.safe(marker));
        if (data == null) {
            LOG.error("Greengrass auto-connect configuration {}: the framework gives this bundle no data area to store "
                    + "the group CA in; not started", marker);
            return;
        }
        caStore = new CaStore(data.toPath());
        connectionId = settings.connectionId;
        engine = new AutoConnectEngine(settings, marker, discovery, client::deviceKey, caStore,
                new ConfigAdminWriter(configurationAdmin), this::connectionState, CoreProbe.TLS);
        engine.start();
    }

    private void stopEngine() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    private Optional<ConnectionState> connectionState() {
        String id = connectionId;
        for (Map.Entry<IoTConnection, String> e : connections.entrySet()) {
            if (e.getValue().equals(id)) {
                try {
                    return Optional.of(e.getKey().state());
                } catch (RuntimeException ex) {
                    return Optional.empty(); // being unregistered
                }
            }
        }
        return Optional.empty();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            service = IoTConnection.class, updated = "updatedConnection")
    void bindConnection(IoTConnection connection, Map<String, Object> properties) {
        connections.put(connection, String.valueOf(properties.get(IoTConnection.CONNECTION_ID)));
    }

    void updatedConnection(IoTConnection connection, Map<String, Object> properties) {
        bindConnection(connection, properties);
    }

    void unbindConnection(IoTConnection connection) {
        connections.remove(connection);
    }
}
