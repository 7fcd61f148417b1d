package org.iotgateway.shadow.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;

/**
 * Delegates to a real connection and counts the distinct topic filters subscribed through it (what the
 * broker sees: the connection shares one MQTT subscription among listeners of the same filter), and the
 * peak of that number.
 */
final class CountingConnection implements IoTConnection {

    private final IoTConnection delegate;
    private final Map<String, Integer> registrations = new LinkedHashMap<>();
    private int peak;
    private int subscribes;

    CountingConnection(IoTConnection delegate) {
        this.delegate = delegate;
    }

    synchronized int distinctFilters() {
        return registrations.size();
    }

    synchronized List<String> filters() {
        return List.copyOf(registrations.keySet());
    }

    synchronized int peak() {
        return peak;
    }

    synchronized int subscribeCalls() {
        return subscribes;
    }

    private synchronized void added(String filter) {
        subscribes++;
        registrations.merge(filter, 1, Integer::sum);
        peak = Math.max(peak, registrations.size());
    }

    private synchronized void removed(String filter) {
        registrations.computeIfPresent(filter, (k, n) -> n == 1 ? null : n - 1);
    }

    @Override
    public CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener) {
        added(filter);
        return delegate.subscribe(filter, qos, listener).whenComplete((s, t) -> {
            if (t != null) {
                removed(filter);
            }
        }).thenApply(s -> new Subscription() {
            private boolean gone;

            @Override
            public String filter() {
                return s.filter();
            }

            @Override
            public QoS qos() {
                return s.qos();
            }

            @Override
            public boolean isActive() {
                return s.isActive();
            }

            @Override
            public CompletionStage<Void> unsubscribe() {
                synchronized (this) {
                    if (!gone) {
                        gone = true;
                        removed(filter);
                    }
                }
                return s.unsubscribe();
            }
        });
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public String clientId() {
        return delegate.clientId();
    }

    @Override
    public String thingName() {
        return delegate.thingName();
    }

    @Override
    public ConnectionState state() {
        return delegate.state();
    }

    @Override
    public long queuedMessages() {
        return delegate.queuedMessages();
    }

    @Override
    public CompletionStage<Void> publish(IoTMessage message) {
        return delegate.publish(message);
    }

    @Override
    public void publishAndWait(IoTMessage message) {
        delegate.publishAndWait(message);
    }

    @Override
    public Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener) {
        return subscribe(filter, qos, listener).toCompletableFuture().join();
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter) {
        synchronized (this) {
            registrations.remove(filter);
        }
        return delegate.unsubscribe(filter);
    }

    @Override
    public void unsubscribeAndWait(String filter) {
        unsubscribe(filter).toCompletableFuture().join();
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        delegate.addStateListener(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        delegate.removeStateListener(listener);
    }
}
