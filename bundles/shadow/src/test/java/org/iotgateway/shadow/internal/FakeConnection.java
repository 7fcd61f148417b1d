package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
import org.iotgateway.api.SubscriptionRejectedException;

/**
 * An in-memory IoTConnection the test drives: it records publishes and subscriptions, and delivers
 * messages the test injects to the matching listeners (on the test's thread).
 */
final class FakeConnection implements IoTConnection {

    static final ObjectMapper JSON = new ObjectMapper();

    final String id;
    private volatile ConnectionState state = ConnectionState.CONNECTED;
    private final List<ConnectionStateListener> stateListeners = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<IoTMessage> published = new LinkedBlockingQueue<>();
    final List<Sub> subscriptions = new CopyOnWriteArrayList<>();
    /** Filters the broker refuses. */
    final List<String> refused = new CopyOnWriteArrayList<>();
    volatile boolean autoAck = true;
    final List<Sub> unacknowledged = new CopyOnWriteArrayList<>();
    volatile int subscribeCalls;
    volatile int unsubscribeCalls;

    FakeConnection(String id) {
        this.id = id;
    }

    final class Sub implements Subscription {
        final String filter;
        final QoS qos;
        final MessageListener listener;
        final CompletableFuture<Subscription> ack = new CompletableFuture<>();
        volatile boolean active = true;

        Sub(String filter, QoS qos, MessageListener listener) {
            this.filter = filter;
            this.qos = qos;
            this.listener = listener;
        }

        void acknowledge() {
            if (refused.contains(filter)) {
                subscriptions.remove(this);
                active = false;
                ack.completeExceptionally(new SubscriptionRejectedException(filter, "broker refused the subscription to '" + filter + "'"));
            } else {
                ack.complete(this);
            }
        }

        @Override
        public String filter() {
            return filter;
        }

        @Override
        public QoS qos() {
            return qos;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public CompletionStage<Void> unsubscribe() {
            unsubscribeCalls++;
            active = false;
            subscriptions.remove(this);
            return CompletableFuture.completedFuture(null);
        }
    }

    // ------------------------------------------------------------------ test controls

    void setState(ConnectionState next) {
        ConnectionState previous = state;
        state = next;
        ConnectionStateEvent e = new ConnectionStateEvent(id, previous, next, null, Instant.now());
        stateListeners.forEach(l -> l.stateChanged(e));
    }

    void ackAll() {
        for (Sub s : new ArrayList<>(unacknowledged)) {
            unacknowledged.remove(s);
            s.acknowledge();
        }
    }

    /** @return the active filters */
    List<String> filters() {
        List<String> out = new ArrayList<>();
        for (Sub s : subscriptions) {
            out.add(s.filter);
        }
        return out;
    }

    /** Delivers a message to every matching subscription, like a broker. */
    int deliver(String topic, String payload) {
        IoTMessage m = IoTMessage.received(topic, payload.getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE, false, false);
        int n = 0;
        for (Sub s : subscriptions) {
            if (s.active && ShadowTopics.matches(s.filter, topic)) {
                s.listener.messageArrived(m);
                n++;
            }
        }
        return n;
    }

    /** @return the next published request, waiting up to 5 s */
    IoTMessage nextRequest() {
        try {
            IoTMessage m = published.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "no request published within 5 s");
            return m;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the next published request, or null within the wait */
    IoTMessage pollRequest(long millis) {
        try {
            return published.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode json(IoTMessage m) {
        try {
            return JSON.readTree(m.payload());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static String token(IoTMessage m) {
        return json(m).get("clientToken").asText();
    }

    /** Answers a request on {@code <request topic>/<kind>} with the body plus its client token. */
    void reply(IoTMessage request, String kind, String bodyWithoutToken) {
        String token = token(request);
        String body = bodyWithoutToken.trim();
        String payload = body.equals("{}") ? "{\"clientToken\":\"" + token + "\"}"
                : body.substring(0, body.length() - 1) + ",\"clientToken\":\"" + token + "\"}";
        deliver(request.topic() + "/" + kind, payload);
    }

    // ------------------------------------------------------------------ IoTConnection

    @Override
    public String id() {
        return id;
    }

    @Override
    public String clientId() {
        return id;
    }

    @Override
    public String thingName() {
        return "";
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public long queuedMessages() {
        return 0;
    }

    @Override
    public CompletionStage<Void> publish(IoTMessage message) {
        published.add(message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void publishAndWait(IoTMessage message) {
        published.add(message);
    }

    @Override
    public CompletionStage<Subscription> subscribe(String filter, QoS qos, MessageListener listener) {
        subscribeCalls++;
        Sub s = new Sub(filter, qos, listener);
        subscriptions.add(s);
        if (autoAck) {
            s.acknowledge();
        } else {
            unacknowledged.add(s);
        }
        return s.ack;
    }

    @Override
    public Subscription subscribeAndWait(String filter, QoS qos, MessageListener listener) {
        return subscribe(filter, qos, listener).toCompletableFuture().join();
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter) {
        subscriptions.removeIf(s -> s.filter.equals(filter));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unsubscribeAndWait(String filter) {
        unsubscribe(filter);
    }

    @Override
    public void addStateListener(ConnectionStateListener listener) {
        stateListeners.add(listener);
    }

    @Override
    public void removeStateListener(ConnectionStateListener listener) {
        stateListeners.remove(listener);
    }

    int stateListenerCount() {
        return stateListeners.size();
    }

    @Override
    public String toString() {
        return "FakeConnection[" + id + "]";
    }
}
