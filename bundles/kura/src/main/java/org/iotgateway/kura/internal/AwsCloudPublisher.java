package org.iotgateway.kura.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kura CloudPublisher on an AWS IoT cloud connection; created from Kura's Cloud Connections page (hidden from
 * the service list and the "new component" dialog, as Kura's own publishers are).
 */
@Component(xmlns = KuraProperties.DS_1_2, name = KuraProperties.PUBLISHER_PID,
        configurationPid = KuraProperties.PUBLISHER_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { CloudPublisher.class, ConfigurableComponent.class }, property = {
                "service.pid=" + KuraProperties.PUBLISHER_PID,
                KuraProperties.CLOUD_CONNECTION_FACTORY_PID + "=" + KuraProperties.CONNECTION_PID,
                KuraProperties.UI_SERVICE_HIDE + ":Boolean=true", KuraProperties.UI_FACTORY_HIDE + "=true" })
@Designate(ocd = PublisherConfig.class, factory = true)
public final class AwsCloudPublisher implements CloudPublisher, ConfigurableComponent {

    private static final Logger LOG = LoggerFactory.getLogger(AwsCloudPublisher.class);
    private static final Pattern VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)");

    private final List<CloudConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<CloudDeliveryListener> deliveryListeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private BundleContext context;
    private EndpointTracker tracker;
    private CloudEndpoint endpoint;
    private String topic;
    private int qos;

    @Activate
    void activate(BundleContext bundleContext, Map<String, Object> config) throws InvalidSyntaxException {
        context = bundleContext;
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) throws InvalidSyntaxException {
        synchronized (lock) {
            topic = KuraProperties.string(config, "topic");
            qos = KuraProperties.integer(config, "qos", 1);
            if (topic.isEmpty()) {
                LOG.error("AWS IoT publisher: 'topic' is empty; publishes are refused until it is set");
            }
            if (qos != 0 && qos != 1) {
                LOG.error("AWS IoT publisher: 'qos' is {}; AWS IoT accepts 0 or 1, using 1", qos);
                qos = 1;
            }
        }
        openTracker(KuraProperties.string(config, KuraProperties.CLOUD_ENDPOINT_SERVICE_PID));
    }

    private void openTracker(String endpointPid) throws InvalidSyntaxException {
        EndpointTracker old;
        synchronized (lock) {
            old = tracker;
            tracker = null;
        }
        if (old != null) {
            old.close();
        }
        EndpointTracker t = new EndpointTracker(context, endpointPid == null ? "" : endpointPid, this::attach,
                this::detach);
        synchronized (lock) {
            tracker = t;
        }
        t.open();
    }

    @Deactivate
    void deactivate() {
        EndpointTracker t;
        synchronized (lock) {
            t = tracker;
            tracker = null;
        }
        if (t != null) {
            t.close();
        }
    }

    private void attach(CloudEndpoint e) {
        synchronized (lock) {
            endpoint = e;
        }
        deliveryListeners.forEach(e::registerCloudDeliveryListener);
        if (e instanceof CloudConnectionManager) {
            connectionListeners.forEach(((CloudConnectionManager) e)::registerCloudConnectionListener);
        }
    }

    private void detach(CloudEndpoint e) {
        synchronized (lock) {
            if (endpoint == e) {
                endpoint = null;
            }
        }
        deliveryListeners.forEach(e::unregisterCloudDeliveryListener);
        if (e instanceof CloudConnectionManager) {
            connectionListeners.forEach(((CloudConnectionManager) e)::unregisterCloudConnectionListener);
        }
    }

    @Override
    public String publish(KuraMessage message) throws KuraException {
        CloudEndpoint e;
        String t;
        int q;
        synchronized (lock) {
            e = endpoint;
            t = topic;
            q = qos;
        }
        if (message == null || message.getPayload() == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "message and payload are required");
        }
        if (t.isEmpty()) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, "the publisher's 'topic' is not set");
        }
        if (e == null) {
            throw new KuraException(KuraErrorCode.SERVICE_UNAVAILABLE, "the publisher's cloud connection is not "
                    + "available");
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put(AwsCloudEndpoint.TOPIC, resolve(t, message.getProperties()));
        properties.put(AwsCloudEndpoint.QOS_PROPERTY, q);
        return e.publish(new KuraMessage(message.getPayload(), properties));
    }

    /** Replaces $name by the message property; the value must be one non-empty topic level. */
    static String resolve(String topic, Map<String, Object> properties) throws KuraException {
        Matcher m = VARIABLE.matcher(topic);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Object value = properties == null ? null : properties.get(m.group(1));
            String s = value == null ? "" : String.valueOf(value);
            if (s.isEmpty() || s.contains("/") || s.contains("+") || s.contains("#") || s.indexOf('\0') >= 0) {
                throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "topic " + topic + ": message property '"
                        + m.group(1) + "' is " + (s.isEmpty() ? "missing or empty" : "not a single topic level "
                                + "(contains '/', '+', '#' or NUL)"));
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(s));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.add(listener);
        CloudEndpoint e = current();
        if (e instanceof CloudConnectionManager) {
            ((CloudConnectionManager) e).registerCloudConnectionListener(listener);
        }
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.remove(listener);
        CloudEndpoint e = current();
        if (e instanceof CloudConnectionManager) {
            ((CloudConnectionManager) e).unregisterCloudConnectionListener(listener);
        }
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener listener) {
        deliveryListeners.add(listener);
        CloudEndpoint e = current();
        if (e != null) {
            e.registerCloudDeliveryListener(listener);
        }
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener listener) {
        deliveryListeners.remove(listener);
        CloudEndpoint e = current();
        if (e != null) {
            e.unregisterCloudDeliveryListener(listener);
        }
    }

    private CloudEndpoint current() {
        synchronized (lock) {
            return endpoint;
        }
    }
}
