package org.iotgateway.kura.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.subscriber.CloudSubscriber;
import org.eclipse.kura.cloudconnection.subscriber.listener.CloudSubscriberListener;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kura CloudSubscriber on an AWS IoT cloud connection: the messages of its topic filter go to every registered
 * CloudSubscriberListener (body = the MQTT payload; properties {@code topic}, {@code qos}, {@code retain}).
 * A configuration change re-creates the component.
 */
@Component(xmlns = KuraProperties.DS_1_2, name = KuraProperties.SUBSCRIBER_PID,
        configurationPid = KuraProperties.SUBSCRIBER_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = { CloudSubscriber.class, ConfigurableComponent.class }, property = {
                "service.pid=" + KuraProperties.SUBSCRIBER_PID,
                KuraProperties.CLOUD_CONNECTION_FACTORY_PID + "=" + KuraProperties.CONNECTION_PID,
                KuraProperties.UI_SERVICE_HIDE + ":Boolean=true", KuraProperties.UI_FACTORY_HIDE + "=true" })
@Designate(ocd = SubscriberConfig.class, factory = true)
public final class AwsCloudSubscriber implements CloudSubscriber, ConfigurableComponent {

    private static final Logger LOG = LoggerFactory.getLogger(AwsCloudSubscriber.class);

    private final List<CloudSubscriberListener> listeners = new CopyOnWriteArrayList<>();
    private final List<CloudConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final CloudSubscriberListener dispatch = this::dispatch;
    private final Object lock = new Object();
    private EndpointTracker tracker;
    private CloudEndpoint endpoint;
    private Map<String, Object> subscription;

    @Activate
    void activate(BundleContext context, Map<String, Object> config) throws InvalidSyntaxException {
        String filter = KuraProperties.string(config, "topic.filter");
        if (filter.isEmpty()) {
            LOG.error("AWS IoT subscriber: 'topic.filter' is empty; it receives nothing until it is set");
            return;
        }
        int qos = KuraProperties.integer(config, "qos", 1) == 0 ? 0 : 1;
        subscription = new HashMap<>();
        subscription.put(AwsCloudEndpoint.TOPIC_FILTER, filter);
        subscription.put(AwsCloudEndpoint.QOS_PROPERTY, qos);
        tracker = new EndpointTracker(context, KuraProperties.string(config,
                KuraProperties.CLOUD_ENDPOINT_SERVICE_PID), this::attach, this::detach);
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        if (tracker != null) {
            tracker.close();
        }
    }

    private void attach(CloudEndpoint e) {
        synchronized (lock) {
            endpoint = e;
        }
        try {
            e.registerSubscriber(subscription, dispatch);
        } catch (IllegalArgumentException ex) {
            LOG.error("AWS IoT subscriber: {}", ex.getMessage());
        }
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
        e.unregisterSubscriber(dispatch);
        if (e instanceof CloudConnectionManager) {
            connectionListeners.forEach(((CloudConnectionManager) e)::unregisterCloudConnectionListener);
        }
    }

    private void dispatch(KuraMessage message) {
        for (CloudSubscriberListener l : listeners) {
            try {
                l.onMessageArrived(message);
            } catch (RuntimeException ex) {
                LOG.warn("AWS IoT subscriber: a listener failed: {}", ex.toString());
            }
        }
    }

    @Override
    public void registerCloudSubscriberListener(CloudSubscriberListener listener) {
        listeners.add(listener);
    }

    @Override
    public void unregisterCloudSubscriberListener(CloudSubscriberListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.add(listener);
        CloudEndpoint e;
        synchronized (lock) {
            e = endpoint;
        }
        if (e instanceof CloudConnectionManager) {
            ((CloudConnectionManager) e).registerCloudConnectionListener(listener);
        }
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
        connectionListeners.remove(listener);
        CloudEndpoint e;
        synchronized (lock) {
            e = endpoint;
        }
        if (e instanceof CloudConnectionManager) {
            ((CloudConnectionManager) e).unregisterCloudConnectionListener(listener);
        }
    }
}
