package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Inject;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionEvents;
import org.iotgateway.api.ConnectionStateListener;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * The events bundle with Felix EventAdmin in a real framework: an {@code EventHandler} registered for
 * {@code org/iotgateway/connection/*} sees every lifecycle event of a connection configured through
 * Configuration Admin, in order and with its properties: the connect sequence, an outage and the
 * reconnect, and DISCONNECTION then STOPPED when the configuration is deleted. A handler that throws
 * does not cost the others anything, and a connection id full of characters that are illegal in a
 * topic only ever appears in the {@code connection.id} property.
 * <p>
 * The outage is a {@link TcpRelay} in front of the shared broker that cuts every connection and then
 * refuses new ones until restored, which is what a broker restart looks like to the client (the mqtt
 * bundle's own tests restart a real mosquitto).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConnectionEventsIT {

    private static final String FACTORY_PID = "org.iotgateway.mqtt.connection";
    private static final long TIMEOUT_MS = 15_000;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        int port = TestBroker.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.events(),
                systemProperty(TestBroker.PORT_PROPERTY).value(String.valueOf(port)));
    }

    @Before
    public void bridgeIsRunning() throws Exception {
        Bundle events = Bundles.ours(context, ItestOptions.EVENTS_BUNDLE_PROPERTY);
        Bundles.assertActive(events);
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (bridgeReference(events) == null) {
            if (System.currentTimeMillis() > deadline) {
                fail("the events bundle registers no ConnectionStateListener: is EventAdmin there?\n"
                        + Bundles.describeAll(context));
            }
            Thread.sleep(20);
        }
        ServiceReference<?> bridge = bridgeReference(events);
        assertNull("the bridge listens to every connection", bridge.getProperty(ConnectionStateListener.CONNECTION_TARGET));
    }

    private ServiceReference<?> bridgeReference(Bundle events) {
        ServiceReference<?>[] registered = events.getRegisteredServices();
        if (registered != null) {
            for (ServiceReference<?> r : registered) {
                for (String objectClass : (String[]) r.getProperty("objectClass")) {
                    if (objectClass.equals(ConnectionStateListener.class.getName())) {
                        return r;
                    }
                }
            }
        }
        return null;
    }

    @After
    public void cleanUp() {
        for (Configuration c : configurations) {
            try {
                c.delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // gone
            }
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void connectThenDeletionIsAttemptSuccessDisconnectionStopped() throws Exception {
        String id = "events-" + UUID.randomUUID();
        String clientId = "ev-itest-" + UUID.randomUUID().toString().substring(0, 8);
        Recorder events = handler("(connection.id=" + id + ")");
        Configuration configuration = createConnection(connectionProperties(id, brokerPort(), clientId));

        Event attempt = events.next();
        assertEquals(ConnectionEvents.TOPIC_ATTEMPTING_CONNECT, attempt.getTopic());
        assertEquals(id, attempt.getProperty("connection.id"));
        assertEquals("ATTEMPTING_CONNECT", attempt.getProperty("type"));
        assertEquals("CONNECTING", attempt.getProperty("state"));
        assertEquals("DISCONNECTED", attempt.getProperty("previous.state"));
        long timestamp = (Long) attempt.getProperty(EventConstants.TIMESTAMP);
        assertTrue("timestamp " + timestamp, Math.abs(System.currentTimeMillis() - timestamp) < 60_000);
        assertNull(attempt.getProperty(EventConstants.EXCEPTION));
        assertNull(attempt.getProperty("client.id"));

        Event success = events.next();
        assertEquals(ConnectionEvents.TOPIC_CONNECTION_SUCCESS, success.getTopic());
        assertEquals("CONNECTED", success.getProperty("state"));
        assertEquals("CONNECTING", success.getProperty("previous.state"));
        assertEquals("MQTT_3_1_1", success.getProperty("mqtt.version"));
        assertEquals(clientId, success.getProperty("client.id"));
        assertEquals(Boolean.FALSE, success.getProperty("client.id.assigned"));
        assertEquals(17L, success.getProperty("keep.alive"));
        assertEquals(Boolean.FALSE, success.getProperty("session.present"));
        assertEquals(0L, success.getProperty("session.expiry"));
        assertEquals(1, success.getProperty("maximum.qos"));
        assertEquals(65_535, success.getProperty("receive.maximum"));
        assertEquals(0, success.getProperty("topic.alias.maximum"));
        assertEquals(268_435_455L, success.getProperty("maximum.packet.size"));
        assertEquals(Boolean.TRUE, success.getProperty("retain.available"));
        assertEquals(Boolean.TRUE, success.getProperty("wildcard.available"));
        assertEquals(Boolean.FALSE, success.getProperty("shared.available"));
        assertNull(success.getProperty("reason.code"));
        assertNull(success.getProperty(EventConstants.EXCEPTION));
        assertTrue((Long) success.getProperty("timestamp") >= timestamp);

        configuration.delete();
        Event disconnection = events.next();
        assertEquals(ConnectionEvents.TOPIC_DISCONNECTION, disconnection.getTopic());
        assertEquals("DISCONNECTED", disconnection.getProperty("state"));
        assertEquals("CONNECTED", disconnection.getProperty("previous.state"));
        assertEquals(ConnectionClosedException.class.getName(), disconnection.getProperty(EventConstants.EXCEPTION_CLASS));
        assertEquals("connection '" + id + "' was closed: its configuration was deleted",
                disconnection.getProperty(EventConstants.EXCEPTION_MESSAGE));
        assertTrue(disconnection.getProperty(EventConstants.EXCEPTION) instanceof ConnectionClosedException);
        assertNull("no DISCONNECT packet on MQTT 3.1.1", disconnection.getProperty("reason.code"));

        Event stopped = events.next();
        assertEquals(ConnectionEvents.TOPIC_STOPPED, stopped.getTopic());
        assertEquals("CLOSED", stopped.getProperty("state"));
        assertEquals("DISCONNECTED", stopped.getProperty("previous.state"));
        events.assertQuiet();
    }

    @Test
    public void outageIsDisconnectionThenFailedAttemptsThenSuccess() throws Exception {
        String id = "events-outage-" + UUID.randomUUID();
        Recorder events = handler("(connection.id=" + id + ")");
        try (TcpRelay relay = new TcpRelay(brokerPort())) {
            createConnection(connectionProperties(id, relay.port(), "ev-outage-" + UUID.randomUUID().toString().substring(0, 8)));
            assertEquals(ConnectionEvents.TOPIC_ATTEMPTING_CONNECT, events.next().getTopic());
            assertEquals(ConnectionEvents.TOPIC_CONNECTION_SUCCESS, events.next().getTopic());

            relay.interrupt();
            Event lost = events.next();
            assertEquals(ConnectionEvents.TOPIC_DISCONNECTION, lost.getTopic());
            assertNotNull("a disconnection has a cause", lost.getProperty(EventConstants.EXCEPTION_CLASS));
            assertTrue(lost.getProperty(EventConstants.EXCEPTION) instanceof Throwable);
            int failures = 0;
            while (failures < 2) {
                assertEquals(ConnectionEvents.TOPIC_ATTEMPTING_CONNECT, events.next().getTopic());
                Event failure = events.next();
                assertEquals(ConnectionEvents.TOPIC_CONNECTION_FAILURE, failure.getTopic());
                assertEquals("CONNECTING", failure.getProperty("previous.state"));
                assertNotNull(failure.getProperty(EventConstants.EXCEPTION_CLASS));
                assertNull("refused by the OS, not by a CONNACK", failure.getProperty("reason.code"));
                failures++;
            }

            relay.restore();
            // maybe more failed attempts (one may be under way), then the attempt that succeeds
            while (true) {
                assertEquals(ConnectionEvents.TOPIC_ATTEMPTING_CONNECT, events.next().getTopic());
                Event outcome = events.next();
                if (outcome.getTopic().equals(ConnectionEvents.TOPIC_CONNECTION_SUCCESS)) {
                    assertEquals(Boolean.FALSE, outcome.getProperty("session.present"));
                    break;
                }
                assertEquals(ConnectionEvents.TOPIC_CONNECTION_FAILURE, outcome.getTopic());
            }
            events.assertQuiet();
        }
    }

    @Test
    public void aThrowingHandlerAndAHostileConnectionIdBreakNothing() throws Exception {
        // characters a topic must not contain, LDAP filter syntax, MQTT wildcards, a path, non-ASCII
        String id = "plant/1/#/+ (a=b)*\\ é " + UUID.randomUUID();
        AtomicInteger thrown = new AtomicInteger();
        Dictionary<String, Object> throwing = new Hashtable<>();
        throwing.put(EventConstants.EVENT_TOPIC, ConnectionEvents.TOPIC_ALL);
        registrations.add(context.registerService(EventHandler.class, event -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("a handler bug on " + event.getTopic());
        }, throwing));
        Recorder all = handler(null);

        Configuration configuration = createConnection(connectionProperties(id, brokerPort(),
                "ev-hostile-" + UUID.randomUUID().toString().substring(0, 8)));
        Event attempt = all.nextOf(id);
        assertEquals(ConnectionEvents.TOPIC_ATTEMPTING_CONNECT, attempt.getTopic());
        Event success = all.nextOf(id);
        assertEquals(ConnectionEvents.TOPIC_CONNECTION_SUCCESS, success.getTopic());
        configuration.delete();
        assertEquals(ConnectionEvents.TOPIC_DISCONNECTION, all.nextOf(id).getTopic());
        assertEquals(ConnectionEvents.TOPIC_STOPPED, all.nextOf(id).getTopic());
        // EventAdmin hands each event to the handlers one after the other, in no fixed order: the throwing handler may
        // get STOPPED just after the recorder did
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (thrown.get() < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue("the throwing handler was called for the four events (and any of other connections): " + thrown.get(),
                thrown.get() >= 4);
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Collects the events of an EventHandler service registered for every lifecycle topic. */
    private static final class Recorder implements EventHandler {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        @Override
        public void handleEvent(Event event) {
            events.add(event);
        }

        Event next() throws InterruptedException {
            Event e = events.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertNotNull("no lifecycle event within " + TIMEOUT_MS + " ms", e);
            assertTrue("topic " + e.getTopic(), e.getTopic().startsWith(ConnectionEvents.TOPIC_PREFIX));
            return e;
        }

        /** The next event of one connection; the events of other connections are skipped. */
        Event nextOf(String connectionId) throws InterruptedException {
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (System.currentTimeMillis() < deadline) {
                Event e = events.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
                if (e != null && connectionId.equals(e.getProperty("connection.id"))) {
                    return e;
                }
            }
            fail("no lifecycle event of connection '" + connectionId + "' within " + TIMEOUT_MS + " ms");
            return null;
        }

        void assertQuiet() throws InterruptedException {
            Event e = events.poll(1000, TimeUnit.MILLISECONDS);
            assertNull("unexpected event " + (e == null ? "" : e.getTopic() + " " + e.getProperty("type")), e);
        }
    }

    private Recorder handler(String filter) {
        Recorder r = new Recorder();
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(EventConstants.EVENT_TOPIC, new String[] { ConnectionEvents.TOPIC_ALL });
        if (filter != null) {
            p.put(EventConstants.EVENT_FILTER, filter);
        }
        registrations.add(context.registerService(EventHandler.class, r, p));
        return r;
    }

    private static int brokerPort() {
        return Integer.parseInt(System.getProperty(TestBroker.PORT_PROPERTY));
    }

    private static Dictionary<String, Object> connectionProperties(String connectionId, int port, String clientId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", connectionId);
        p.put("endpoint", "127.0.0.1");
        p.put("port", port);
        p.put("transport", "tcp");
        p.put("client.id", clientId);
        p.put("keep.alive", 17);
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("reconnect.backoff.max.ms", 500L);
        p.put("operation.timeout", 10);
        return p;
    }

    private Configuration createConnection(Dictionary<String, Object> properties) throws IOException {
        Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY_PID, "?");
        configurations.add(c);
        c.update(properties);
        return c;
    }
}
