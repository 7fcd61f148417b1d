package org.iotgateway.kura.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.kura.KuraConnectException;
import org.eclipse.kura.KuraDisconnectException;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kura cloud connection of one connection configuration: Kura's CloudEndpoint and CloudConnectionManager,
 * backed by the {@link IoTConnection} the configuration registers (found by its {@code service.pid}). Publishes go
 * through that connection, so they get its offline queue (memory or disk), ordering and in-flight window instead
 * of Kura's in-memory store-and-forward.
 * <p>
 * Publish properties of a {@link KuraMessage}: {@code topic} (required), {@code qos} (0 or 1, default 0),
 * {@code retain} (default false). Subscription properties: {@code topic.filter} (required), {@code qos}.
 * The payload is encoded by {@link PayloadCodec}.
 */
final class AwsCloudEndpoint implements ConfigurableComponent, CloudEndpoint, CloudConnectionManager {

    static final String CONFIGURABLE = ConfigurableComponent.class.getName();
    static final String ENDPOINT = CloudEndpoint.class.getName();
    static final String MANAGER = CloudConnectionManager.class.getName();

    static final String TOPIC = "topic";
    static final String QOS_PROPERTY = "qos";
    static final String RETAIN = "retain";
    static final String TOPIC_FILTER = "topic.filter";

    private static final Logger LOG = LoggerFactory.getLogger(AwsCloudEndpoint.class);

    private final String kuraPid;
    private final ServiceTracker<IoTConnection, IoTConnection> tracker;
    private final AtomicLong messageIds = new AtomicLong();
    private final List<CloudConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<CloudDeliveryListener> deliveryListeners = new CopyOnWriteArrayList<>();
    private final ConnectionStateListener stateListener = this::stateChanged;

    private final Object lock = new Object();
    /** Kura subscriber listeners by topic filter, and the connection subscription of each filter. */
    private final Map<String, List<CloudSubscriberListener>> listenersByFilter = new HashMap<>();
    private final Map<CloudSubscriberListener, String> filterOf = new HashMap<>();
    private final Map<String, QoS> qosByFilter = new HashMap<>();
    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private IoTConnection current;

    AwsCloudEndpoint(BundleContext context, String kuraPid, String servicePid) {
        this.kuraPid = kuraPid;
        Filter filter;
        try {
            filter = FrameworkUtil.createFilter("(&(objectClass=" + IoTConnection.class.getName() + ")(service.pid="
                    + KuraProperties.escape(servicePid) + "))");
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        tracker = new ServiceTracker<>(context, filter, null) {
            @Override
            public IoTConnection addingService(ServiceReference<IoTConnection> reference) {
                IoTConnection connection = super.addingService(reference);
                if (connection != null) {
                    attach(connection);
                }
                return connection;
            }

            @Override
            public void removedService(ServiceReference<IoTConnection> reference, IoTConnection connection) {
                detach(connection);
                super.removedService(reference, connection);
            }
        };
    }

    void open() {
        tracker.open();
    }

    void close() {
        tracker.close();
    }

    private void attach(IoTConnection connection) {
        synchronized (lock) {
            current = connection;
            connection.addStateListener(stateListener);
            for (Map.Entry<String, QoS> e : qosByFilter.entrySet()) {
                subscribe(connection, e.getKey(), e.getValue());
            }
        }
    }

    private void detach(IoTConnection connection) {
        synchronized (lock) {
            if (current == connection) {
                current = null;
                subscriptions.clear();
            }
        }
        try {
            connection.removeStateListener(stateListener);
        } catch (RuntimeException e) {
            // the connection is going away
        }
        connectionListeners.forEach(l -> safely(l::onDisconnected));
    }

    private IoTConnection connection() {
        synchronized (lock) {
            return current;
        }
    }

    // ------------------------------------------------------------------ CloudEndpoint

    @Override
    public String publish(KuraMessage message) throws KuraException {
        if (message == null || message.getPayload() == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "message and payload are required");
        }
        Map<String, Object> properties = message.getProperties();
        Object topic = properties.get(TOPIC);
        if (!(topic instanceof String) || ((String) topic).isEmpty()) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "the message property 'topic' is required");
        }
        QoS qos = qos(properties.get(QOS_PROPERTY), "qos");
        boolean retain = Boolean.parseBoolean(String.valueOf(properties.getOrDefault(RETAIN, "false")));
        byte[] payload = PayloadCodec.encode(message.getPayload());
        IoTConnection connection = connection();
        if (connection == null) {
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "AWS IoT connection " + kuraPid
                    + " is not available (check its configuration)");
        }
        String id = Long.toString(messageIds.incrementAndGet());
        try {
            connection.publish(IoTMessage.of((String) topic, payload, qos, retain)).whenComplete((ok, error) -> {
                if (error != null) {
                    LOG.warn("Cloud connection {}: publish {} to '{}' failed: {}", kuraPid, id, topic,
                            error.getMessage());
                } else if (qos == QoS.AT_LEAST_ONCE) {
                    deliveryListeners.forEach(l -> safely(() -> l.onMessageConfirmed(id)));
                }
            });
        } catch (IoTException | IllegalArgumentException e) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, e, e.getMessage());
        }
        return id;
    }

    @Override
    public void registerSubscriber(Map<String, Object> subscriptionProperties, CloudSubscriberListener listener) {
        Object f = subscriptionProperties == null ? null : subscriptionProperties.get(TOPIC_FILTER);
        if (!(f instanceof String) || ((String) f).isEmpty() || listener == null) {
            throw new IllegalArgumentException("the subscription property '" + TOPIC_FILTER + "' is required");
        }
        String filter = (String) f;
        QoS qos;
        try {
            qos = qos(subscriptionProperties.get(QOS_PROPERTY), "qos");
        } catch (KuraException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        synchronized (lock) {
            unregisterSubscriber(listener);
            filterOf.put(listener, filter);
            List<CloudSubscriberListener> listeners = listenersByFilter.computeIfAbsent(filter,
                    k -> new CopyOnWriteArrayList<>());
            listeners.add(listener);
            QoS previous = qosByFilter.get(filter);
            if (previous == null || previous.level() < qos.level()) {
                qosByFilter.put(filter, qos);
                if (current != null) {
                    subscribe(current, filter, qos);
                }
            }
        }
    }

    @Override
    public void unregisterSubscriber(CloudSubscriberListener listener) {
        synchronized (lock) {
            String filter = filterOf.remove(listener);
            if (filter == null) {
                return;
            }
            List<CloudSubscriberListener> listeners = listenersByFilter.get(filter);
            listeners.remove(listener);
            if (listeners.isEmpty()) {
                listenersByFilter.remove(filter);
                qosByFilter.remove(filter);
                Subscription s = subscriptions.remove(filter);
                if (s != null) {
                    s.unsubscribe();
                }
            }
        }
    }

    private void subscribe(IoTConnection connection, String filter, QoS qos) {
        MessageListener dispatch = message -> deliver(filter, message);
        try {
            connection.subscribe(filter, qos, dispatch).whenComplete((subscription, error) -> {
                if (error != null) {
                    LOG.error("Cloud connection {}: subscription to '{}' failed: {}", kuraPid, filter,
                            error.getMessage());
                    return;
                }
                synchronized (lock) {
                    if (current == connection && listenersByFilter.containsKey(filter)) {
                        Subscription old = subscriptions.put(filter, subscription);
                        if (old != null && old != subscription) {
                            old.unsubscribe();
                        }
                    } else {
                        subscription.unsubscribe();
                    }
                }
            });
        } catch (IoTException e) {
            LOG.error("Cloud connection {}: cannot subscribe to '{}': {}", kuraPid, filter, e.getMessage());
        }
    }

    private void deliver(String filter, IoTMessage message) {
        List<CloudSubscriberListener> listeners;
        synchronized (lock) {
            listeners = listenersByFilter.get(filter);
        }
        if (listeners == null) {
            return;
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put(TOPIC, message.topic());
        properties.put(QOS_PROPERTY, message.qos().level());
        properties.put(RETAIN, message.retain());
        KuraMessage kuraMessage = new KuraMessage(PayloadCodec.decode(message.payload()), properties);
        for (CloudSubscriberListener l : listeners) {
            safely(() -> l.onMessageArrived(kuraMessage));
        }
    }

    @Override
    public Map<String, String> getInfo() {
        Map<String, String> info = new HashMap<>();
        info.put("Connection", kuraPid);
        IoTConnection c = connection();
        if (c != null) {
            info.put("Connection id", c.id());
            info.put("Client id", c.clientId());
            info.put("State", c.state().name());
            info.put("Queued publishes", Long.toString(c.queuedMessages()));
        } else {
            info.put("State", "not configured or invalid configuration");
        }
        return info;
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener listener) {
        deliveryListeners.add(listener);
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener listener) {
        deliveryListeners.remove(listener);
    }

    // ------------------------------------------------------------------ CloudConnectionManager

    /** The connection connects by itself and reconnects forever; this checks that it exists. */
    @Override
    public void connect() throws KuraConnectException {
        if (connection() == null) {
            throw new KuraConnectException("AWS IoT connection " + kuraPid + " has no valid configuration");
        }
    }

    /** Refused: the connection is kept open while it is configured; delete the connection to disconnect it. */
    @Override
    public void disconnect() throws KuraDisconnectException {
        throw new KuraDisconnectException("AWS IoT connections stay connected while configured (they queue and "
                + "reconnect by themselves); delete the connection " + kuraPid + " to disconnect it");
    }

    @Override
    public boolean isConnected() {
        IoTConnection c = connection();
        return c != null && c.state() == ConnectionState.CONNECTED;
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.add(listener);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.remove(listener);
    }

    private void stateChanged(ConnectionStateEvent event) {
        for (CloudConnectionListener l : connectionListeners) {
            if (event.current() == ConnectionState.CONNECTED) {
                safely(l::onConnectionEstablished);
            } else if (event.previous() == ConnectionState.CONNECTED) {
                safely(l::onConnectionLost);
            }
        }
    }

    static QoS qos(Object value, String property) throws KuraException {
        if (value == null) {
            return QoS.AT_MOST_ONCE;
        }
        String s = String.valueOf(value).trim();
        if (s.equals("0")) {
            return QoS.AT_MOST_ONCE;
        }
        if (s.equals("1")) {
            return QoS.AT_LEAST_ONCE;
        }
        throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "'" + property + "' must be 0 or 1 (AWS IoT has no "
                + "QoS 2), not '" + (s.length() > 20 ? s.substring(0, 20) + "..." : s) + "'");
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("Cloud connection {}: a listener failed: {}", kuraPid, e.toString());
        }
    }

    @Override
    public String toString() {
        return "AwsCloudEndpoint[" + kuraPid + "]";
    }
}
