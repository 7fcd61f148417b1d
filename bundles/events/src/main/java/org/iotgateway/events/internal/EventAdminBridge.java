package org.iotgateway.events.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.ConnectionEvents;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.ConnectionStateListener;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.NegotiatedSettings;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts every connection's lifecycle events to EventAdmin, on the topics and with the properties of
 * {@link ConnectionEvents}.
 * <p>
 * A whiteboard {@link ConnectionStateListener} without a connection target, so every connection
 * delivers to it, in order, on its dispatcher. Each event is turned into an EventAdmin event there
 * and handed to one thread of this component, the only thread that calls
 * {@link EventAdmin#postEvent(Event)}. EventAdmin guarantees order only per posting thread: events
 * one thread posts reach each handler in the order posted, events from different threads in any order
 * (OSGi Compendium, Event Admin, "Order of Event Delivery"; Felix EventAdmin keeps one queue per
 * posting thread). The connection's dispatcher may use a different pool thread for each event, so
 * posting from there would not keep the order; from this one thread, handlers see each connection's
 * events in order (unless a handler opts out with {@code event.delivery=async.unordered}). The
 * connection's dispatcher never waits for EventAdmin or a handler.
 * <p>
 * The connection id goes into a property, never into the topic: an id may hold any character,
 * including ones a topic must not contain.
 */
@Component(service = ConnectionStateListener.class, immediate = true)
public final class EventAdminBridge implements ConnectionStateListener {

    private static final Logger LOG = LoggerFactory.getLogger(EventAdminBridge.class);

    /** Events waiting to be posted at most; lifecycle changes are rare, so this is only reached if EventAdmin hangs. */
    static final int BACKLOG = 10_000;

    private final EventAdmin eventAdmin;
    private final ThreadPoolExecutor poster;
    private final AtomicLong dropped = new AtomicLong();

    @Activate
    public EventAdminBridge(@Reference(name = "eventAdmin") EventAdmin eventAdmin) {
        this.eventAdmin = eventAdmin;
        this.poster = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(BACKLOG), r -> {
            Thread t = new Thread(r, "iotgw-events-poster");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void stateChanged(ConnectionStateEvent event) {
        Event posted = new Event(ConnectionEvents.topic(event.type()), properties(event));
        try {
            poster.execute(() -> post(posted));
        } catch (RejectedExecutionException e) {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("EventAdmin is not keeping up ({} lifecycle events waiting) or the bridge is stopping; "
                        + "{} event(s) not posted so far, the latest {} of connection '{}'", BACKLOG, n, event.type(),
                        event.connectionId());
            }
        }
    }

    private void post(Event event) {
        try {
            eventAdmin.postEvent(event);
        } catch (RuntimeException e) {
            // e.g. EventAdmin going away, or a SecurityException without TopicPermission
            LOG.warn("Posting {} to EventAdmin failed: {}", event.getTopic(), e.toString());
        }
    }

    /** Posts what is still queued (briefly), then stops the poster thread. */
    @Deactivate
    void deactivate() {
        poster.shutdown();
        try {
            if (!poster.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.warn("{} lifecycle events not posted: EventAdmin did not take them within 2 s",
                        poster.shutdownNow().size());
            }
        } catch (InterruptedException e) {
            poster.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param event a lifecycle event
     * @return its EventAdmin properties: String and boxed primitives only, plus the cause under
     *         {@link ConnectionEvents#EXCEPTION}; optional ones absent rather than {@code null}
     */
    static Map<String, Object> properties(ConnectionStateEvent event) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConnectionEvents.CONNECTION_ID, event.connectionId());
        p.put(ConnectionEvents.TYPE, event.type().name());
        p.put(ConnectionEvents.STATE, event.current().name());
        p.put(ConnectionEvents.PREVIOUS_STATE, event.previous().name());
        p.put(ConnectionEvents.TIMESTAMP, event.timestamp().toEpochMilli());
        event.cause().ifPresent(cause -> {
            p.put(ConnectionEvents.EXCEPTION, cause);
            p.put(ConnectionEvents.EXCEPTION_CLASS, cause.getClass().getName());
            if (cause.getMessage() != null) {
                p.put(ConnectionEvents.EXCEPTION_MESSAGE, cause.getMessage());
            }
        });
        event.reason().ifPresent(reason -> putReason(p, reason));
        event.negotiated().ifPresent(n -> putNegotiated(p, n));
        return p;
    }

    private static void putReason(Map<String, Object> p, MqttReason reason) {
        p.put(ConnectionEvents.REASON_CODE, reason.code());
        p.put(ConnectionEvents.REASON_NAME, reason.name());
        reason.reasonString().ifPresent(s -> p.put(ConnectionEvents.REASON_STRING, s));
    }

    private static void putNegotiated(Map<String, Object> p, NegotiatedSettings n) {
        p.put(ConnectionEvents.MQTT_VERSION, n.protocol().name());
        p.put(ConnectionEvents.CLIENT_ID, n.clientId());
        p.put(ConnectionEvents.CLIENT_ID_ASSIGNED, n.clientIdAssigned());
        p.put(ConnectionEvents.KEEP_ALIVE, n.keepAlive().getSeconds());
        p.put(ConnectionEvents.SESSION_PRESENT, n.sessionPresent());
        p.put(ConnectionEvents.SESSION_EXPIRY, n.sessionExpirySeconds());
        p.put(ConnectionEvents.MAXIMUM_QOS, n.maximumQos().level());
        p.put(ConnectionEvents.RECEIVE_MAXIMUM, n.receiveMaximum());
        p.put(ConnectionEvents.MAXIMUM_PACKET_SIZE, n.maximumPacketSize());
        p.put(ConnectionEvents.TOPIC_ALIAS_MAXIMUM, n.topicAliasMaximum());
        p.put(ConnectionEvents.RETAIN_AVAILABLE, n.retainAvailable());
        p.put(ConnectionEvents.WILDCARD_AVAILABLE, n.wildcardSubscriptionsAvailable());
        p.put(ConnectionEvents.SHARED_AVAILABLE, n.sharedSubscriptionsAvailable());
        p.put(ConnectionEvents.SUBSCRIPTION_IDENTIFIERS_AVAILABLE, n.subscriptionIdentifiersAvailable());
        n.serverReference().ifPresent(s -> p.put(ConnectionEvents.SERVER_REFERENCE, s));
    }
}
