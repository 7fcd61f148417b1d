package org.iotgateway.jobs.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;

/** Delegates to a real connection and records what goes out and comes in. */
final class RecordingConnection implements IoTConnection {

    /** A message with the time it was seen. */
    static final class Seen {
        final IoTMessage message;
        final long nanos = System.nanoTime();

        Seen(IoTMessage message) {
            this.message = message;
        }

        String topic() {
            return message.topic();
        }

        String text() {
            return message.payloadAsString();
        }

        @Override
        public String toString() {
            return topic() + " " + text();
        }
    }

    private final IoTConnection delegate;
    final List<Seen> published = new CopyOnWriteArrayList<>();
    final List<Seen> received = new CopyOnWriteArrayList<>();
    final List<String> subscribed = new CopyOnWriteArrayList<>();

    RecordingConnection(IoTConnection delegate) {
        this.delegate = delegate;
    }

    /** @return the distinct filters subscribed through this connection */
    Set<String> filters() {
        return new LinkedHashSet<>(subscribed);
    }

    List<Seen> publishedTo(String topicPart) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : published) {
            if (s.topic().contains(topicPart)) {
                out.add(s);
            }
        }
        return out;
    }

    List<Seen> receivedOn(String topicPart) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : received) {
            if (s.topic().contains(topicPart)) {
                out.add(s);
            }
        }
        return out;
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
        published.add(new Seen(message));
        return delegate.publish(message);
    }

    @Override
    public void publishAndWait(IoTMessage message) {
        published.add(new Seen(message));
        delegate.publishAndWait(message);
    }

    @Override
    public CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener) {
        subscribed.add(filter);
        return delegate.subscribe(filter, qos, m -> {
            received.add(new Seen(m));
            listener.messageArrived(m);
        });
    }

    @Override
    public Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener) {
        subscribed.add(filter);
        return delegate.subscribeAndWait(filter, qos, m -> {
            received.add(new Seen(m));
            listener.messageArrived(m);
        });
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
}
