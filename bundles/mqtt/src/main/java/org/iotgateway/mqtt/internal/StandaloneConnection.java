package org.iotgateway.mqtt.internal;

import java.util.concurrent.CompletionStage;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;

/** Delegates to a {@link MqttConnection}; closing closes it. */
final class StandaloneConnection implements Connections.Standalone {

    private final MqttConnection delegate;

    StandaloneConnection(MqttConnection delegate) {
        this.delegate = delegate;
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
    public CompletionStage<Void> publish(String topic, byte[] payload, QoS qos) {
        return delegate.publish(topic, payload, qos); // one copy, not the default's IoTMessage and a second
    }

    @Override
    public void publishAndWait(String topic, byte[] payload, QoS qos) {
        delegate.publishAndWait(topic, payload, qos);
    }

    @Override
    public CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener) {
        return delegate.subscribe(filter, qos, listener);
    }

    @Override
    public Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener) {
        return delegate.subscribeAndWait(filter, qos, listener);
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter) {
        return delegate.unsubscribe(filter);
    }

    @Override
    public void unsubscribeAndWait(String filter) {
        delegate.unsubscribeAndWait(filter);
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        delegate.addStateListener(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        delegate.removeStateListener(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
