package org.iotgateway.shadow.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocumentListener;
import org.iotgateway.api.shadow.ShadowService;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
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
 * One {@link ShadowService} per factory configuration: wires the configuration, the dynamic greedy
 * {@code IoTConnection} reference (its {@code IoTConnection.target} property selects the connection) and
 * the whiteboard listeners to a {@link ShadowClient}; the logic lives in the engine.
 * <p>
 * The service is registered only while the configuration is valid; an invalid one (bad thing or shadow
 * name, QoS, timeout, window or target filter) is logged naming the property, and no service appears.
 * The connection reference is optional, so the service stays registered (with its listeners) while the
 * connection is replaced or its bundle updated; requests wait for a connection within their timeout.
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.iotgateway.api.shadow.ShadowService")
@Component(configurationPid = ShadowComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = ShadowConfig.class, factory = true)
public final class ShadowComponent {

    /** The factory PID of shadow configurations. */
    public static final String FACTORY_PID = "org.iotgateway.shadow";
    /** Name of the connection reference; its target property is {@value #TARGET_PROPERTY}. */
    static final String REFERENCE = "IoTConnection";
    /** The configuration (and service) property selecting the connection. */
    static final String TARGET_PROPERTY = REFERENCE + ".target";
    /** The connection selected when the configuration does not say. */
    static final String DEFAULT_TARGET = "(connection.id=aws)";

    private static final Logger LOG = LoggerFactory.getLogger(ShadowComponent.class);

    private final Object lock = new Object();
    private final Map<ServiceReference<ShadowDeltaListener>, ShadowDeltaListener> deltaListeners = new ConcurrentHashMap<>();
    private final Map<ServiceReference<ShadowDocumentListener>, ShadowDocumentListener> documentListeners = new ConcurrentHashMap<>();

    // --- guarded by lock ---
    private BundleContext context;
    private ShadowEngine engine;
    private IoTConnection connection;
    private ShadowClient client;
    private ServiceRegistration<ShadowService> registration;
    private final Set<ServiceReference<?>> attached = new HashSet<>();

    @Activate
    void activate(BundleContext bundleContext, Map<String, Object> properties) {
        synchronized (lock) {
            context = bundleContext;
            engine = SharedEngine.acquire();
            apply(properties);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        synchronized (lock) {
            apply(properties);
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            shutdown();
            SharedEngine.release();
            engine = null;
            context = null;
        }
    }

    private void apply(Map<String, Object> properties) {
        String pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        ShadowSettings settings;
        String target = target(properties);
        try {
            settings = ShadowSettings.from(properties);
            FrameworkUtil.createFilter(target);
        } catch (InvalidSettingException e) {
            LOG.error("Shadow configuration {} is invalid, no ShadowService registered: {}", pid, e.getMessage());
            shutdown();
            return;
        } catch (InvalidSyntaxException e) {
            LOG.error("Shadow configuration {} is invalid, no ShadowService registered: {}: '{}' is not a valid filter: {}",
                    pid, TARGET_PROPERTY, target, e.getMessage());
            shutdown();
            return;
        }
        if (client == null) {
            client = engine.open(settings);
            attachWhiteboardLocked();
            client.setConnection(connection);
        } else {
            client.reconfigure(settings);
            attachWhiteboardLocked();
        }
        Dictionary<String, Object> serviceProperties = serviceProperties(settings, target, properties);
        if (registration == null) {
            registration = context.registerService(ShadowService.class, client, serviceProperties);
            LOG.info("Registered ShadowService for {} (connection {})", settings.key().describe(), target);
        } else {
            registration.setProperties(serviceProperties);
        }
    }

    private static String target(Map<String, Object> properties) {
        Object t = properties.get(TARGET_PROPERTY);
        return t == null || String.valueOf(t).trim().isEmpty() ? DEFAULT_TARGET : String.valueOf(t).trim();
    }

    private static Dictionary<String, Object> serviceProperties(ShadowSettings s, String target, Map<String, Object> config) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(ShadowService.THING_NAME, s.thingName);
        p.put(ShadowService.SHADOW_NAME, s.shadowName);
        p.put(TARGET_PROPERTY, target);
        for (String key : new String[] { Constants.SERVICE_PID, "service.factoryPid" }) {
            Object v = config.get(key);
            if (v != null) {
                p.put(key, v);
            }
        }
        return p;
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
        attached.clear();
    }

    // ------------------------------------------------------------------ the connection

    @Reference(name = REFERENCE, service = IoTConnection.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, target = DEFAULT_TARGET,
            unbind = "unbindConnection")
    void bindConnection(IoTConnection newConnection) {
        synchronized (lock) {
            connection = newConnection;
            if (client != null) {
                client.setConnection(newConnection);
            }
        }
    }

    void unbindConnection(IoTConnection oldConnection) {
        synchronized (lock) {
            if (connection != oldConnection) {
                return; // already replaced by a greedy rebind
            }
            connection = null;
            if (client != null) {
                client.setConnection(null);
            }
        }
    }

    // ------------------------------------------------------------------ whiteboard

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, service = ShadowDeltaListener.class,
            updated = "updatedDeltaListener", unbind = "unbindDeltaListener")
    void bindDeltaListener(ServiceReference<ShadowDeltaListener> reference, ShadowDeltaListener listener) {
        deltaListeners.put(reference, listener);
        synchronized (lock) {
            attachWhiteboardLocked();
        }
    }

    void updatedDeltaListener(ServiceReference<ShadowDeltaListener> reference, ShadowDeltaListener listener) {
        synchronized (lock) {
            attachWhiteboardLocked();
        }
    }

    void unbindDeltaListener(ServiceReference<ShadowDeltaListener> reference, ShadowDeltaListener listener) {
        deltaListeners.remove(reference);
        synchronized (lock) {
            if (attached.remove(reference) && client != null) {
                client.removeDeltaListener(listener);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, service = ShadowDocumentListener.class,
            updated = "updatedDocumentListener", unbind = "unbindDocumentListener")
    void bindDocumentListener(ServiceReference<ShadowDocumentListener> reference, ShadowDocumentListener listener) {
        documentListeners.put(reference, listener);
        synchronized (lock) {
            attachWhiteboardLocked();
        }
    }

    void updatedDocumentListener(ServiceReference<ShadowDocumentListener> reference, ShadowDocumentListener listener) {
        synchronized (lock) {
            attachWhiteboardLocked();
        }
    }

    void unbindDocumentListener(ServiceReference<ShadowDocumentListener> reference, ShadowDocumentListener listener) {
        documentListeners.remove(reference);
        synchronized (lock) {
            if (attached.remove(reference) && client != null) {
                client.removeDocumentListener(listener);
            }
        }
    }

    /** Attaches the listeners whose properties select this shadow, detaches those that no longer do. */
    private void attachWhiteboardLocked() {
        if (client == null) {
            return;
        }
        ShadowSettings s = client.settings();
        deltaListeners.forEach((ref, l) -> {
            boolean wanted = selects(ref, s);
            if (wanted && attached.add(ref)) {
                client.addDeltaListener(l);
            } else if (!wanted && attached.remove(ref)) {
                client.removeDeltaListener(l);
            }
        });
        documentListeners.forEach((ref, l) -> {
            boolean wanted = selects(ref, s);
            if (wanted && attached.add(ref)) {
                client.addDocumentListener(l);
            } else if (!wanted && attached.remove(ref)) {
                client.removeDocumentListener(l);
            }
        });
    }

    /** @return whether a listener service's thing.name and shadow.name properties select the shadow */
    static boolean selects(ServiceReference<?> reference, ShadowSettings s) {
        List<String> things = values(reference.getProperty(ShadowService.THING_NAME));
        List<String> shadows = values(reference.getProperty(ShadowService.SHADOW_NAME));
        if (shadows.isEmpty()) {
            shadows = List.of("");
        }
        return things.contains(s.thingName) && shadows.contains(s.shadowName);
    }

    private static List<String> values(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof String) {
            out.add(((String) value).trim());
        } else if (value instanceof String[]) {
            for (String v : (String[]) value) {
                out.add(v == null ? "" : v.trim());
            }
        } else if (value instanceof Collection) {
            for (Object v : (Collection<?>) value) {
                out.add(String.valueOf(v).trim());
            }
        }
        return out;
    }

    /** One engine (threads, routers) for every shadow configuration of the bundle. */
    static final class SharedEngine {
        private static ShadowEngine engine;
        private static int users;

        private SharedEngine() {
        }

        static synchronized ShadowEngine acquire() {
            if (engine == null) {
                engine = new ShadowEngine();
            }
            users++;
            return engine;
        }

        static synchronized void release() {
            if (--users == 0) {
                engine.close();
                engine = null;
            }
        }
    }
}
