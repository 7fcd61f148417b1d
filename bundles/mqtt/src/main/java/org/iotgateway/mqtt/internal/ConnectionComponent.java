package org.iotgateway.mqtt.internal;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.tls.TlsContextProvider;
import org.iotgateway.mqtt.internal.spool.Spool;
import org.iotgateway.tls.Pkcs11Keys;
import org.iotgateway.tls.TlsMaterialException;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
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
 * One {@link IoTConnection} per factory configuration.
 * <p>
 * The component registers the IoTConnection service itself, only once the configuration is valid
 * and the TLS material loaded: a broken configuration (missing or malformed certificate, key not
 * matching the certificate, invalid endpoint) is logged naming the property and file, and no service
 * appears; other connections are unaffected. It also runs the whiteboard: {@link MessageListener}
 * and {@link ConnectionStateListener} services are attached to every connection their
 * {@code iot.connection.target} filter selects.
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=org.iotgateway.api.IoTConnection")
@Component(configurationPid = ConnectionComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true, service = {})
@Designate(ocd = ConnectionConfig.class, factory = true)
public final class ConnectionComponent {

    /** The factory PID of connection configurations. */
    public static final String FACTORY_PID = "org.iotgateway.mqtt.connection";

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionComponent.class);

    private final Map<ServiceReference<MessageListener>, MessageListener> messageListeners = new ConcurrentHashMap<>();
    private final Map<ServiceReference<ConnectionStateListener>, ConnectionStateListener> stateListeners = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private BundleContext context;
    private MqttConnection connection;
    private ServiceRegistration<IoTConnection> registration;
    private Map<String, Object> configProperties = Map.of();
    /** Non-null while the configuration waits for its TLS material files. */
    private TlsMaterialWait materialWait;
    private String materialProblem;
    /** Delays of the TLS material re-checks (tests shorten them). */
    long recheckFirstDelayMillis = TlsMaterialWait.FIRST_DELAY_MILLIS;
    long recheckMaxDelayMillis = TlsMaterialWait.MAX_DELAY_MILLIS;

    /** TLS context providers (tls.provider.target); the one in use and the generation its context came from. */
    private final Map<ServiceReference<TlsContextProvider>, TlsContextProvider> tlsProviders = new ConcurrentHashMap<>();
    private ConnectionConfig lastConfig;
    private ServiceReference<TlsContextProvider> tlsProviderInUse;
    private Object tlsGenerationInUse;

    @Activate
    void activate(BundleContext bundleContext, ConnectionConfig config, Map<String, Object> properties) {
        synchronized (lock) {
            context = bundleContext;
            apply(config, properties);
        }
    }

    @Modified
    void modified(ConnectionConfig config, Map<String, Object> properties) {
        TlsMaterialWait stopped;
        synchronized (lock) {
            stopped = stopWaiting();
            apply(config, properties);
        }
        awaitStopped(stopped);
    }

    @Deactivate
    void deactivate(int reason) {
        TlsMaterialWait stopped;
        synchronized (lock) {
            stopped = stopWaiting();
            shutdown(deactivationReason(reason));
            Pkcs11Keys.release(this);
            context = null;
        }
        awaitStopped(stopped);
    }

    private void apply(ConnectionConfig config, Map<String, Object> properties) {
        configProperties = properties;
        lastConfig = config;
        tlsProviderInUse = null;
        tlsGenerationInUse = null;
        String pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        ConnectionSettings settings = null;
        SocketFactory socketFactory;
        SSLContext provided = null;
        try {
            settings = ConnectionSettings.from(config);
            if (settings.transport.tls() && !settings.tlsProviderTarget.isEmpty()) {
                ServiceReference<TlsContextProvider> ref = selectTlsProvider(settings.tlsProviderTarget);
                if (ref == null) {
                    LOG.warn("Connection configuration {} ('{}'): waiting for a TLS context provider matching "
                            + "tls.provider.target {}; no IoTConnection registered until one appears", pid,
                            settings.connectionId, settings.tlsProviderTarget);
                    shutdown("is waiting for a TLS context provider matching tls.provider.target");
                    return;
                }
                provided = tlsContext(ref, settings);
                tlsProviderInUse = ref;
                tlsGenerationInUse = ref.getProperty(TlsContextProvider.GENERATION);
            }
            socketFactory = TlsSetup.socketFactory(settings, provided, this);
        } catch (InvalidConfigurationException e) {
            shutdown("was closed: its new configuration is not usable");
            Pkcs11Keys.release(this);
            if (settings != null && e.getCause() instanceof TlsMaterialException
                    && !((TlsMaterialException) e.getCause()).recheckable()) {
                // a PIN the token refused: every retry counts against the token's retry limit
                stopWaiting();
                LOG.error("Connection configuration {} ('{}'): {}; no IoTConnection registered, waiting for a "
                        + "configuration change", pid, settings.connectionId, e.getMessage());
            } else if (settings != null && e.getCause() instanceof TlsMaterialException) {
                awaitMaterial(config, properties, pid, settings, e, (TlsMaterialException) e.getCause());
            } else {
                stopWaiting();
                LOG.error("Connection configuration {} is invalid, no IoTConnection registered: {}", pid, e.getMessage());
            }
            return;
        }
        if (settings.pkcs11Library == null || !settings.transport.tls() || provided != null) {
            Pkcs11Keys.release(this);
        }
        if (stopWaiting() != null) {
            LOG.info("Connection configuration {} ('{}'): the TLS material is usable now", pid, settings.connectionId);
        }
        MqttConnection current = connection;
        Spool newSpool = null;
        if (current == null || !current.settings().sameStorage(settings)) {
            try {
                newSpool = openSpool(settings);
            } catch (IOException | RuntimeException e) {
                String property = settings.storage == ConnectionSettings.Storage.DISK ? "queue.directory" : "queue.storage";
                LOG.error("Connection configuration {} ('{}'): cannot open the offline queue ({}): {}; no IoTConnection registered",
                        pid, settings.connectionId, property, e.getMessage());
                shutdown("was closed: its offline queue cannot be opened");
                Pkcs11Keys.release(this);
                return;
            }
        }
        if (current == null) {
            current = new MqttConnection(settings, socketFactory, newSpool, version());
            connection = current;
            attachWhiteboard(current);
            current.start();
        } else {
            current.reconfigure(settings, socketFactory, newSpool);
            reattachWhiteboard(current);
        }
        Dictionary<String, Object> serviceProperties = serviceProperties(settings, properties);
        if (registration == null) {
            registration = context.registerService(IoTConnection.class, current, serviceProperties);
            LOG.info("Registered IoTConnection '{}' ({})", settings.connectionId, settings.serverUri());
        } else {
            registration.setProperties(serviceProperties);
        }
    }

    /**
     * The configuration is valid but its TLS material is not (missing, unreadable, corrupt or mismatched files, wrong
     * keystore password): no service, the files are checked again until it is usable. Logged once, and again when
     * the problem changes; the message names setting and file, never key material or passwords.
     */
    private void awaitMaterial(ConnectionConfig config, Map<String, Object> properties, String pid,
            ConnectionSettings settings, InvalidConfigurationException e, TlsMaterialException cause) {
        String problem = TlsMaterialWait.problem(cause);
        if (materialWait == null) {
            materialProblem = problem;
            LOG.warn("Connection configuration {} ('{}'): TLS material not usable, no IoTConnection registered until it "
                    + "is: {}; checking the files again (after {}, then at most every {})", pid,
                    settings.connectionId, e.getMessage(), TlsMaterialWait.duration(recheckFirstDelayMillis),
                    TlsMaterialWait.duration(recheckMaxDelayMillis));
            TlsMaterialWait[] self = new TlsMaterialWait[1];
            self[0] = new TlsMaterialWait(pid, TlsMaterialWait.files(settings), recheckFirstDelayMillis,
                    recheckMaxDelayMillis, () -> {
                        synchronized (lock) {
                            if (materialWait == self[0] && !self[0].stopped()) {
                                apply(config, properties);
                            }
                        }
                    });
            materialWait = self[0];
            materialWait.start();
        } else if (!problem.equals(materialProblem)) {
            materialProblem = problem;
            LOG.warn("Connection configuration {} ('{}'): TLS material still not usable, no IoTConnection registered: {}",
                    pid, settings.connectionId, e.getMessage());
        }
    }

    /** @return the stopped wait, to await outside the lock, or null if none was running */
    private TlsMaterialWait stopWaiting() {
        TlsMaterialWait w = materialWait;
        materialWait = null;
        materialProblem = null;
        if (w != null) {
            w.stop();
        }
        return w;
    }

    private static void awaitStopped(TlsMaterialWait w) {
        if (w != null && !w.awaitStopped(10_000)) {
            LOG.warn("The TLS material re-check did not end within 10 s");
        }
    }

    private ServiceReference<TlsContextProvider> selectTlsProvider(String target) {
        Filter filter;
        try {
            filter = FrameworkUtil.createFilter(target);
        } catch (InvalidSyntaxException e) {
            throw new InvalidConfigurationException("tls.provider.target", "'" + target + "' is not a valid LDAP filter: "
                    + e.getMessage());
        }
        ServiceReference<TlsContextProvider> best = null;
        for (ServiceReference<TlsContextProvider> ref : tlsProviders.keySet()) {
            if (filter.match(ref) && (best == null || ref.compareTo(best) > 0)) {
                best = ref;
            }
        }
        return best;
    }

    private SSLContext tlsContext(ServiceReference<TlsContextProvider> ref, ConnectionSettings settings) {
        TlsContextProvider provider = tlsProviders.get(ref);
        String description = describe(ref);
        if (provider == null) {
            throw new InvalidConfigurationException("tls.provider.target", "the TLS context provider " + description
                    + " went away");
        }
        try {
            SSLContext context = provider.sslContext();
            if (context == null) {
                throw new InvalidConfigurationException("tls.provider.target", "the TLS context provider "
                        + description + " returned no SSL context");
            }
            return context;
        } catch (java.io.IOException | java.security.GeneralSecurityException | RuntimeException e) {
            if (e instanceof InvalidConfigurationException) {
                throw (InvalidConfigurationException) e;
            }
            throw new InvalidConfigurationException("tls.provider.target", "the TLS context provider " + description
                    + " (selected by " + settings.tlsProviderTarget + ") failed: " + e.getClass().getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static String describe(ServiceReference<?> ref) {
        Object d = ref.getProperty(TlsContextProvider.DESCRIPTION);
        return "service " + ref.getProperty(Constants.SERVICE_ID) + (d == null ? "" : " (" + d + ")");
    }

    // ------------------------------------------------------------------ TLS context providers

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, service = TlsContextProvider.class, updated = "updatedTlsProvider")
    void bindTlsProvider(ServiceReference<TlsContextProvider> reference, TlsContextProvider provider) {
        tlsProviders.put(reference, provider);
        synchronized (lock) {
            if (context != null && lastConfig != null && tlsProviderInUse == null && wantsTlsProvider(reference)) {
                LOG.info("Connection configuration {}: TLS context provider {} appeared", configProperties.get(
                        Constants.SERVICE_PID), describe(reference));
                apply(lastConfig, configProperties);
            }
        }
    }

    void updatedTlsProvider(ServiceReference<TlsContextProvider> reference, TlsContextProvider provider) {
        synchronized (lock) {
            if (context == null || lastConfig == null) {
                return;
            }
            boolean inUse = reference.equals(tlsProviderInUse);
            boolean changed = inUse && !java.util.Objects.equals(tlsGenerationInUse,
                    reference.getProperty(TlsContextProvider.GENERATION));
            if (changed || (tlsProviderInUse == null && wantsTlsProvider(reference)) || (inUse
                    && !wantsTlsProvider(reference))) {
                LOG.info("Connection configuration {}: TLS material of {} changed, reconnecting with it",
                        configProperties.get(Constants.SERVICE_PID), describe(reference));
                apply(lastConfig, configProperties);
            }
        }
    }

    void unbindTlsProvider(ServiceReference<TlsContextProvider> reference) {
        tlsProviders.remove(reference);
        synchronized (lock) {
            if (context != null && lastConfig != null && reference.equals(tlsProviderInUse)) {
                LOG.warn("Connection configuration {}: TLS context provider {} went away",
                        configProperties.get(Constants.SERVICE_PID), describe(reference));
                apply(lastConfig, configProperties);
            }
        }
    }

    private boolean wantsTlsProvider(ServiceReference<TlsContextProvider> reference) {
        Object target = configProperties.get("tls.provider.target");
        if (target == null || String.valueOf(target).trim().isEmpty()) {
            return false;
        }
        try {
            return FrameworkUtil.createFilter(String.valueOf(target).trim()).match(reference);
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    /** Component deactivation reasons (Declarative Services 1.1, {@code ComponentConstants}). */
    static String deactivationReason(int reason) {
        switch (reason) {
            case 1:
                return "was closed: its component was disabled";
            case 3:
                return "was closed: its configuration changed and the component restarts";
            case 4:
                return "was closed: its configuration was deleted";
            case 5:
                return "was closed: its component was disposed";
            case 6:
                return "was closed: its bundle stopped";
            default:
                return "was closed";
        }
    }

    private void shutdown(String why) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
        }
        if (connection != null) {
            connection.close(why);
            connection = null;
        }
    }

    private String version() {
        return context == null ? "0" : context.getBundle().getVersion().toString();
    }

    private Spool openSpool(ConnectionSettings settings) throws IOException {
        File data = context.getDataFile("queue");
        Spool spool = Connections.openSpool(settings, data == null ? null : data.toPath());
        if (spool.size() > 0) {
            LOG.info("Connection '{}': {} publishes recovered from the disk queue", settings.connectionId, spool.size());
        }
        return spool;
    }

    private static Dictionary<String, Object> serviceProperties(ConnectionSettings s, Map<String, Object> config) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(IoTConnection.CONNECTION_ID, s.connectionId);
        p.put(IoTConnection.CLIENT_ID, s.clientId);
        p.put(IoTConnection.THING_NAME, s.thingName);
        p.put(IoTConnection.ENDPOINT, s.endpoint);
        p.put(IoTConnection.PORT, s.port);
        p.put(IoTConnection.TRANSPORT, s.transport.id);
        p.put(IoTConnection.MQTT_VERSION, s.mqttVersionName());
        for (String key : new String[] { Constants.SERVICE_PID, "service.factoryPid" }) {
            Object v = config.get(key);
            if (v != null) {
                p.put(key, v);
            }
        }
        return p;
    }

    // ------------------------------------------------------------------ whiteboard

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, service = MessageListener.class, updated = "updatedMessageListener")
    void bindMessageListener(ServiceReference<MessageListener> reference, MessageListener listener) {
        messageListeners.put(reference, listener);
        synchronized (lock) {
            if (connection != null) {
                attachMessageListener(connection, reference, listener);
            }
        }
    }

    void updatedMessageListener(ServiceReference<MessageListener> reference, MessageListener listener) {
        synchronized (lock) {
            if (connection != null) {
                connection.removeOwner(reference);
                attachMessageListener(connection, reference, listener);
            }
        }
    }

    void unbindMessageListener(ServiceReference<MessageListener> reference) {
        messageListeners.remove(reference);
        synchronized (lock) {
            if (connection != null) {
                connection.removeOwner(reference);
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, service = ConnectionStateListener.class)
    void bindStateListener(ServiceReference<ConnectionStateListener> reference, ConnectionStateListener listener) {
        stateListeners.put(reference, listener);
        synchronized (lock) {
            if (connection != null && targets(reference, connection)) {
                connection.addStateListener(listener);
            }
        }
    }

    void unbindStateListener(ServiceReference<ConnectionStateListener> reference, ConnectionStateListener listener) {
        stateListeners.remove(reference);
        synchronized (lock) {
            if (connection != null) {
                connection.removeStateListener(listener);
            }
        }
    }

    private void attachWhiteboard(MqttConnection c) {
        messageListeners.forEach((ref, l) -> attachMessageListener(c, ref, l));
        stateListeners.forEach((ref, l) -> {
            if (targets(ref, c)) {
                c.addStateListener(l);
            }
        });
    }

    /** After a configuration change the connection's properties may select different listeners. */
    private void reattachWhiteboard(MqttConnection c) {
        messageListeners.forEach((ref, l) -> {
            boolean wanted = targets(ref, c);
            boolean attached = c.hasOwner(ref);
            if (wanted && !attached) {
                attachMessageListener(c, ref, l);
            } else if (!wanted && attached) {
                c.removeOwner(ref);
            }
        });
        stateListeners.forEach((ref, l) -> {
            c.removeStateListener(l);
            if (targets(ref, c)) {
                c.addStateListener(l);
            }
        });
    }

    private void attachMessageListener(MqttConnection c, ServiceReference<?> reference, MessageListener listener) {
        if (!targets(reference, c)) {
            return;
        }
        List<String> filters = filters(reference.getProperty(MessageListener.TOPIC_FILTER));
        if (filters.isEmpty()) {
            LOG.error("MessageListener service {} (bundle {}) has no {} property; it receives nothing",
                    reference.getProperty(Constants.SERVICE_ID), reference.getBundle(), MessageListener.TOPIC_FILTER);
            return;
        }
        QoS qos;
        try {
            Object q = reference.getProperty(MessageListener.QOS);
            qos = q == null ? QoS.AT_LEAST_ONCE : QoS.of(Integer.parseInt(String.valueOf(q).trim()));
        } catch (RuntimeException e) {
            LOG.error("MessageListener service {}: invalid {} property '{}': {}; it receives nothing",
                    reference.getProperty(Constants.SERVICE_ID), MessageListener.QOS, reference.getProperty(MessageListener.QOS),
                    e.getMessage());
            return;
        }
        for (String filter : filters) {
            try {
                c.subscribeRaw(filter, qos, listener, reference).whenComplete((s, t) -> {
                    if (t != null) {
                        LOG.error("Connection '{}': whiteboard subscription to '{}' for service {} failed: {}", c.id(), filter,
                                reference.getProperty(Constants.SERVICE_ID), t.getMessage());
                    }
                });
            } catch (IoTException e) {
                LOG.error("MessageListener service {}: {}", reference.getProperty(Constants.SERVICE_ID), e.getMessage());
            }
        }
    }

    private boolean targets(ServiceReference<?> reference, MqttConnection c) {
        Object target = reference.getProperty(MessageListener.CONNECTION_TARGET);
        if (target == null || String.valueOf(target).trim().isEmpty()) {
            return true;
        }
        try {
            Filter filter = FrameworkUtil.createFilter(String.valueOf(target));
            ConnectionSettings s = c.settings();
            return filter.matches(toMap(serviceProperties(s, configProperties)));
        } catch (InvalidSyntaxException e) {
            LOG.error("Service {}: {} '{}' is not a valid LDAP filter: {}", reference.getProperty(Constants.SERVICE_ID),
                    MessageListener.CONNECTION_TARGET, target, e.getMessage());
            return false;
        }
    }

    private static Map<String, Object> toMap(Dictionary<String, Object> d) {
        Map<String, Object> m = new java.util.HashMap<>();
        for (java.util.Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            m.put(k, d.get(k));
        }
        return m;
    }

    private static List<String> filters(Object value) {
        List<String> result = new ArrayList<>();
        if (value instanceof String) {
            result.add((String) value);
        } else if (value instanceof String[]) {
            result.addAll(List.of((String[]) value));
        } else if (value instanceof Collection) {
            for (Object o : (Collection<?>) value) {
                result.add(String.valueOf(o));
            }
        }
        result.removeIf(s -> s == null || s.trim().isEmpty());
        return result;
    }
}
