package org.iotgateway.jobs.internal;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobsService;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link JobsService} per factory configuration: the jobs of one thing on the
 * {@link IoTConnection} selected by {@code IoTConnection.target}.
 * <p>
 * The service is registered only while the configuration is valid (an invalid one is logged
 * naming the property, and registers nothing), whether or not a connection is bound, like the
 * shadow service: requests made while no connection is bound wait for one within the operation
 * timeout (then fail with {@link org.iotgateway.api.OperationTimeoutException}), and automatic
 * execution resumes when one is bound. The connection reference is optional, dynamic and greedy: a
 * better-matching or replacement connection is taken over live, and a running job keeps running.
 * {@link JobHandler} services (whiteboard, property {@value JobHandler#OPERATION}, optionally
 * {@value JobHandler#THING_NAME}) execute the jobs when automatic execution is on.
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.iotgateway.api.jobs.JobsService")
@Component(configurationPid = JobsComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = JobsConfig.class, factory = true)
public final class JobsComponent {

    /** The factory PID of jobs configurations. */
    public static final String FACTORY_PID = "org.iotgateway.jobs";

    private static final Logger LOG = LoggerFactory.getLogger(JobsComponent.class);

    private final HandlerRegistry handlers = new HandlerRegistry();
    private final Object lock = new Object();

    // guarded by lock
    private BundleContext context;
    private Map<String, Object> configProperties = Map.of();
    private JobsEngine engine;
    private ServiceRegistration<JobsService> registration;
    private IoTConnection connection;
    private Map<String, Object> connectionProperties = Map.of();

    @Activate
    void activate(BundleContext bundleContext, JobsConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            context = bundleContext;
            apply(config, properties);
        }
    }

    @Modified
    void modified(JobsConfig config, Map<String, Object> properties) {
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

    private void apply(JobsConfig config, Map<String, Object> properties) {
        configProperties = properties;
        Object pid = properties.get(Constants.SERVICE_PID);
        JobsSettings settings;
        try {
            settings = JobsSettings.from(config);
        } catch (InvalidConfigurationException e) {
            LOG.error("Jobs configuration {} is invalid, no JobsService registered: {}", pid, e.getMessage());
            shutdown();
            return;
        }
        if (engine != null && !engine.settings().needsNewEngine(settings)) {
            engine.reconfigure(settings);
            LOG.info("Jobs of thing '{}' reconfigured: {}", settings.thingName, settings);
            updateRegistration();
            return;
        }
        shutdown();
        JobsEngine e = new JobsEngine(settings, handlers);
        if (connection != null) {
            try {
                e.attach(connection);
            } catch (RuntimeException ex) {
                LOG.error("Jobs configuration {}: {}; no JobsService registered", pid, ex.getMessage());
                e.close();
                return;
            }
        }
        engine = e;
        LOG.info("Jobs of thing '{}' started: {}", settings.thingName, settings);
        updateRegistration();
    }

    private void shutdown() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle already
            }
            registration = null;
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    private void updateRegistration() {
        if (engine == null || context == null) {
            return;
        }
        Dictionary<String, Object> p = serviceProperties();
        if (registration == null) {
            registration = context.registerService(JobsService.class, engine, p);
        } else {
            registration.setProperties(p);
        }
    }

    private Dictionary<String, Object> serviceProperties() {
        JobsSettings s = engine.settings();
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(JobsService.THING_NAME, s.thingName);
        p.put(JobsService.AUTO_EXECUTE, s.autoExecute);
        Object connectionId = connectionProperties.get(IoTConnection.CONNECTION_ID);
        if (connectionId != null) {
            p.put(JobsService.CONNECTION_ID, connectionId);
        }
        for (String key : new String[] { Constants.SERVICE_PID, "service.factoryPid" }) {
            Object v = configProperties.get(key);
            if (v != null) {
                p.put(key, v);
            }
        }
        return p;
    }

    // ------------------------------------------------------------------ connection

    @Reference(name = "IoTConnection", service = IoTConnection.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindConnection",
            updated = "updatedConnection")
    void bindConnection(IoTConnection c, Map<String, Object> properties) {
        synchronized (lock) {
            connection = c;
            connectionProperties = properties;
            if (engine != null) {
                try {
                    engine.attach(c);
                    LOG.info("Jobs of thing '{}' now use connection '{}'", engine.thingName(), c.id());
                    updateRegistration();
                } catch (RuntimeException e) {
                    LOG.error("Jobs of thing '{}' cannot use connection '{}': {}; JobsService unregistered",
                            engine.thingName(), properties.get(IoTConnection.CONNECTION_ID), e.getMessage());
                    shutdown();
                }
            }
        }
    }

    void updatedConnection(IoTConnection c, Map<String, Object> properties) {
        synchronized (lock) {
            if (c == connection) {
                connectionProperties = properties;
                updateRegistration();
            }
        }
    }

    void unbindConnection(IoTConnection c) {
        synchronized (lock) {
            if (engine != null) {
                engine.detach(c);
            }
            if (connection == c) {
                connection = null;
                connectionProperties = Map.of();
                // the service stays registered without a connection; its connection.id goes
                updateRegistration();
                if (engine != null) {
                    LOG.info("Jobs of thing '{}': no connection bound; requests wait for one (operation.timeout)",
                            engine.thingName());
                }
            }
        }
    }

    // ------------------------------------------------------------------ handler whiteboard

    @Reference(name = "JobHandler", service = JobHandler.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindHandler", updated = "updatedHandler")
    void bindHandler(ServiceReference<JobHandler> reference, JobHandler handler) {
        addHandler(reference, handler);
    }

    void updatedHandler(ServiceReference<JobHandler> reference, JobHandler handler) {
        addHandler(reference, handler);
    }

    void unbindHandler(ServiceReference<JobHandler> reference) {
        handlers.remove(reference);
    }

    private void addHandler(ServiceReference<JobHandler> reference, JobHandler handler) {
        List<String> operations = HandlerRegistry.strings(reference.getProperty(JobHandler.OPERATION));
        List<String> things = HandlerRegistry.strings(reference.getProperty(JobHandler.THING_NAME));
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        Object id = reference.getProperty(Constants.SERVICE_ID);
        if (operations.isEmpty()) {
            LOG.error("JobHandler service {} (bundle {}) has no {} property; it gets no jobs", id, reference.getBundle(),
                    JobHandler.OPERATION);
        }
        handlers.add(reference, handler, operations, things, ranking instanceof Integer ? (Integer) ranking : 0,
                id instanceof Long ? (Long) id : Long.MAX_VALUE);
    }
}
