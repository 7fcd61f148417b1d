package org.iotgateway.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MessageListener;
import org.iotgateway.api.QoS;
import org.iotgateway.api.Subscription;
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
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The MQTT connection bundle in a real framework: factory configurations through Configuration
 * Admin, the IoTConnection service with its properties, publish/subscribe against a real broker
 * (Moquette in the host JVM), the MessageListener whiteboard, live reconfiguration, the metatype
 * OCD, deletion, and broken configurations.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConnectionIT {

    private static final String FACTORY_PID = "org.iotgateway.mqtt.connection";

    /** Bound for everything that should happen "soon" (service registration, connecting, delivery). */
    private static final long TIMEOUT_MS = 10_000;
    /** How long a service that must not appear is given to appear anyway. */
    private static final long ABSENCE_MS = 1_500;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    @Inject
    private MetaTypeService metaTypeService;

    private final List<Configuration> configurations = new ArrayList<>();
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final List<ServiceReference<?>> gotten = new ArrayList<>();

    /** Host side: starts the broker (once per JVM) and provisions the framework. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        int port = TestBroker.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                systemProperty(TestBroker.PORT_PROPERTY).value(String.valueOf(port)));
    }

    @Before
    public void mqttBundleIsActive() {
        Bundles.assertActive(Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY));
    }

    @After
    public void cleanUp() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // unregistered by the test
            }
        }
        for (ServiceReference<?> r : gotten) {
            context.ungetService(r);
        }
        for (Configuration c : configurations) {
            try {
                c.delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void connectionLifecycle() throws Exception {
        int port = brokerPort();
        String clientId = uniqueClientId();
        Configuration configuration = createConnection(connectionProperties("itest", port, clientId));

        // the service appears, with the configuration in its properties
        ServiceReference<IoTConnection> ref = awaitConnectionService("(connection.id=itest)");
        assertEquals("itest", ref.getProperty(IoTConnection.CONNECTION_ID));
        assertEquals("127.0.0.1", ref.getProperty(IoTConnection.ENDPOINT));
        assertEquals(port, ((Number) ref.getProperty(IoTConnection.PORT)).intValue());
        assertEquals("tcp", ref.getProperty(IoTConnection.TRANSPORT));
        assertEquals(clientId, ref.getProperty(IoTConnection.CLIENT_ID));
        assertEquals(configuration.getPid(), ref.getProperty(Constants.SERVICE_PID));
        Long serviceId = (Long) ref.getProperty(Constants.SERVICE_ID);

        IoTConnection connection = getService(ref);
        assertEquals("itest", connection.id());
        assertEquals(clientId, connection.clientId());
        awaitState(connection, ConnectionState.CONNECTED);

        // subscribe through the service, publish through the service: the message comes back
        String directTopic = "itest/" + clientId + "/direct";
        BlockingQueue<IoTMessage> direct = new LinkedBlockingQueue<>();
        Subscription subscription = connection.subscribeAndWait(directTopic, QoS.AT_LEAST_ONCE, direct::add);
        assertTrue(subscription.isActive());
        assertEquals(directTopic, subscription.filter());

        connection.publishAndWait(IoTMessage.of(directTopic, "hello from the itest", QoS.AT_LEAST_ONCE));
        IoTMessage received = poll(direct, "the message published on " + directTopic);
        assertEquals(directTopic, received.topic());
        assertEquals("hello from the itest", received.payloadAsString());

        byte[] binary = { 0, 1, 2, (byte) 0x7f, (byte) 0x80, (byte) 0xff };
        connection.publishAndWait(IoTMessage.of(directTopic, binary, QoS.AT_MOST_ONCE));
        assertArrayEquals(binary, poll(direct, "the binary message published on " + directTopic).payload());

        // a whiteboard MessageListener service for this connection
        String whiteboardTopic = "itest/" + clientId + "/whiteboard";
        BlockingQueue<IoTMessage> whiteboard = new LinkedBlockingQueue<>();
        Hashtable<String, Object> listenerProperties = new Hashtable<>();
        listenerProperties.put(MessageListener.TOPIC_FILTER, whiteboardTopic);
        listenerProperties.put(MessageListener.QOS, 1);
        listenerProperties.put(MessageListener.CONNECTION_TARGET, "(connection.id=itest)");
        registrations.add(context.registerService(MessageListener.class, whiteboard::add, listenerProperties));
        assertDelivered(connection, whiteboardTopic, "whiteboard 1", whiteboard);

        // live reconfiguration: new client id, thing name and keep-alive
        String newClientId = clientId + "-b";
        Dictionary<String, Object> updated = connectionProperties("itest", port, newClientId);
        updated.put("thing.name", "itest-thing");
        updated.put("keep.alive", 45);
        configuration.update(updated);
        ServiceReference<IoTConnection> updatedRef = awaitConnectionService(
                "(&(connection.id=itest)(client.id=" + newClientId + ")(thing.name=itest-thing))");
        assertEquals("the registration is updated in place, apps keep their service", serviceId,
                updatedRef.getProperty(Constants.SERVICE_ID));
        assertEquals(newClientId, updatedRef.getProperty(IoTConnection.CLIENT_ID));
        assertEquals("itest-thing", updatedRef.getProperty(IoTConnection.THING_NAME));
        assertEquals(port, ((Number) updatedRef.getProperty(IoTConnection.PORT)).intValue());
        await("client id of the connection object to change", () -> newClientId.equals(connection.clientId()));
        awaitState(connection, ConnectionState.CONNECTED);

        // messages still flow: through the subscription made before and through the whiteboard
        direct.clear();
        whiteboard.clear();
        assertDelivered(connection, directTopic, "after reconfiguration", direct);
        assertDelivered(connection, whiteboardTopic, "whiteboard 2", whiteboard);

        // deleting the configuration removes the service and closes the connection
        configuration.delete();
        awaitNoConnectionService("(connection.id=itest)");
        awaitState(connection, ConnectionState.CLOSED);
    }

    @Test
    public void whiteboardListenerKeepsReceivingAcrossARestartOfTheConnectionBundle() throws Exception {
        int port = brokerPort();
        String clientId = uniqueClientId();
        String topic = "itest/" + clientId + "/restart";
        BlockingQueue<IoTMessage> whiteboard = new LinkedBlockingQueue<>();
        Hashtable<String, Object> listenerProperties = new Hashtable<>();
        listenerProperties.put(MessageListener.TOPIC_FILTER, new String[] { topic, topic + "/more/#" });
        listenerProperties.put(MessageListener.CONNECTION_TARGET, "(connection.id=itest-restart)");
        // registered before the connection exists: picked up when it appears
        registrations.add(context.registerService(MessageListener.class, whiteboard::add, listenerProperties));
        createConnection(connectionProperties("itest-restart", port, clientId));
        IoTConnection first = getService(awaitConnectionService("(connection.id=itest-restart)"));
        awaitState(first, ConnectionState.CONNECTED);
        assertDelivered(first, topic, "before the restart", whiteboard);
        assertDelivered(first, topic + "/more/x", "second filter", whiteboard);

        Bundle mqtt = Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY);
        mqtt.stop();
        awaitNoConnectionService("(connection.id=itest-restart)");
        awaitState(first, ConnectionState.CLOSED);
        mqtt.start();
        IoTConnection second = getService(awaitConnectionService("(connection.id=itest-restart)"));
        awaitState(second, ConnectionState.CONNECTED);
        whiteboard.clear();
        assertDelivered(second, topic, "after the restart", whiteboard);
    }

    @Test
    public void metatypeDescribesTheConnectionConfiguration() {
        Bundle mqttBundle = Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY);
        MetaTypeInformation info = metaTypeService.getMetaTypeInformation(mqttBundle);
        assertNotNull("no metatype information in " + mqttBundle.getSymbolicName(), info);
        assertTrue(FACTORY_PID + " is a factory PID, got " + Arrays.toString(info.getFactoryPids()),
                Arrays.asList(info.getFactoryPids()).contains(FACTORY_PID));

        ObjectClassDefinition ocd = info.getObjectClassDefinition(FACTORY_PID, null);
        assertNotNull(ocd);
        assertEquals(FACTORY_PID, ocd.getID());
        assertEquals("AWS IoT Connection", ocd.getName());

        Map<String, AttributeDefinition> attributes = new HashMap<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            attributes.put(ad.getID(), ad);
        }
        for (String id : new String[] { "connection.id", "endpoint", "port", "transport", "thing.name", "client.id",
                "keep.alive", "reconnect.backoff.base.ms", "queue.size", "queue.drain.frequency", "password" }) {
            assertTrue("OCD attribute " + id + " missing; attributes: " + attributes.keySet(), attributes.containsKey(id));
        }
        assertEquals(AttributeDefinition.STRING, attributes.get("endpoint").getType());
        assertEquals(AttributeDefinition.INTEGER, attributes.get("port").getType());
        assertEquals(AttributeDefinition.LONG, attributes.get("reconnect.backoff.base.ms").getType());
        assertEquals(AttributeDefinition.DOUBLE, attributes.get("queue.drain.frequency").getType());
        assertEquals("password is shown masked", AttributeDefinition.PASSWORD, attributes.get("password").getType());

        AttributeDefinition transport = attributes.get("transport");
        assertNotNull("transport has an option list", transport.getOptionValues());
        List<String> transports = Arrays.asList(transport.getOptionValues());
        assertTrue("transport options " + transports, transports.contains("mqtts"));
        assertTrue("transport options " + transports, transports.contains("tcp"));
        assertEquals(transport.getOptionValues().length, transport.getOptionLabels().length);
    }

    @Test
    public void brokerClassesStayOutsideTheFramework() {
        // the broker runs in the host JVM; nothing inside the framework can see it
        for (Bundle b : new Bundle[] { context.getBundle(), Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY) }) {
            try {
                b.loadClass("io.moquette.broker.Server");
                fail("bundle " + b.getSymbolicName() + " can load the Moquette broker class");
            } catch (ClassNotFoundException expected) {
                // isolated
            }
        }
    }

    @Test
    public void invalidConfigurationRegistersNoServiceAndLeavesOthersWorking() throws Exception {
        int port = brokerPort();
        // record every IoTConnection registration of the broken ones, even a short-lived one
        List<String> unexpected = new CopyOnWriteArrayList<>();
        String brokenFilter = "(|(connection.id=itest-bad-port)(connection.id=itest-bad-cert))";
        ServiceListener recorder = event -> {
            if (event.getType() == ServiceEvent.REGISTERED || event.getType() == ServiceEvent.MODIFIED) {
                unexpected.add(String.valueOf(event.getServiceReference().getProperty(IoTConnection.CONNECTION_ID)));
            }
        };
        context.addServiceListener(recorder, connectionFilter(brokenFilter).toString());
        try {
            Dictionary<String, Object> badPort = connectionProperties("itest-bad-port", port, uniqueClientId());
            badPort.put("port", 0);
            Configuration badPortConfiguration = createConnection(badPort);

            Dictionary<String, Object> badCert = connectionProperties("itest-bad-cert", 8883, uniqueClientId());
            badCert.put("transport", "mqtts");
            badCert.put("cert.file", "/nonexistent/itest/device-certificate.pem.crt");
            badCert.put("key.file", "/nonexistent/itest/device-private.pem.key");
            createConnection(badCert);

            // a valid connection next to them works
            createConnection(connectionProperties("itest-good", port, uniqueClientId()));
            ServiceReference<IoTConnection> goodRef = awaitConnectionService("(connection.id=itest-good)");
            IoTConnection good = getService(goodRef);
            awaitState(good, ConnectionState.CONNECTED);
            String topic = "itest/" + good.clientId() + "/next-to-broken";
            BlockingQueue<IoTMessage> received = new LinkedBlockingQueue<>();
            good.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, received::add);
            good.publishAndWait(IoTMessage.of(topic, "still fine", QoS.AT_LEAST_ONCE));
            assertEquals("still fine", poll(received, "the message on " + topic).payloadAsString());

            // the broken ones never got a service
            Thread.sleep(ABSENCE_MS);
            assertEquals("IoTConnection services of broken configurations", List.of(), services(brokenFilter));
            assertEquals("registrations of broken configurations", List.of(), unexpected);

            // fixing a broken configuration brings its service
            Dictionary<String, Object> fixed = connectionProperties("itest-bad-port", port, uniqueClientId());
            badPortConfiguration.update(fixed);
            ServiceReference<IoTConnection> fixedRef = awaitConnectionService("(connection.id=itest-bad-port)");
            awaitState(getService(fixedRef), ConnectionState.CONNECTED);
            assertEquals("(connection.id=itest-bad-cert) stays without a service", List.of(),
                    services("(connection.id=itest-bad-cert)"));
        } finally {
            context.removeServiceListener(recorder);
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static int brokerPort() {
        String port = System.getProperty(TestBroker.PORT_PROPERTY);
        assertNotNull("system property " + TestBroker.PORT_PROPERTY + " (the broker port) is not set", port);
        return Integer.parseInt(port);
    }

    private static String uniqueClientId() {
        return "itest-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A valid plain-TCP configuration for the test broker. */
    private static Dictionary<String, Object> connectionProperties(String connectionId, int port, String clientId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", connectionId);
        p.put("endpoint", "127.0.0.1");
        p.put("port", port);
        p.put("transport", "tcp");
        p.put("client.id", clientId);
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("queue.drain.frequency", 0.0d);
        p.put("operation.timeout", 10);
        return p;
    }

    private Configuration createConnection(Dictionary<String, Object> properties) throws IOException {
        Configuration c = configurationAdmin.createFactoryConfiguration(FACTORY_PID, "?");
        configurations.add(c);
        c.update(properties);
        return c;
    }

    private static Filter connectionFilter(String filter) throws InvalidSyntaxException {
        return FrameworkUtil.createFilter("(&(" + Constants.OBJECTCLASS + "=" + IoTConnection.class.getName() + ")" + filter + ")");
    }

    /** Waits, at most {@link #TIMEOUT_MS}, for an IoTConnection service matching the filter. */
    private ServiceReference<IoTConnection> awaitConnectionService(String filter) throws Exception {
        ServiceTracker<IoTConnection, IoTConnection> tracker = new ServiceTracker<>(context, connectionFilter(filter), null);
        tracker.open();
        try {
            if (tracker.waitForService(TIMEOUT_MS) == null) {
                fail("no IoTConnection service " + filter + " within " + TIMEOUT_MS + " ms; registered: "
                        + services("(connection.id=*)") + "; see the log for the connection component's error");
            }
            return tracker.getServiceReference();
        } finally {
            tracker.close();
        }
    }

    private void awaitNoConnectionService(String filter) throws Exception {
        await("IoTConnection service " + filter + " to go away", () -> services(filter).isEmpty());
    }

    /** @return the connection ids of the IoTConnection services matching the filter */
    private List<String> services(String filter) {
        try {
            List<String> ids = new ArrayList<>();
            for (ServiceReference<IoTConnection> r : context.getServiceReferences(IoTConnection.class, filter)) {
                ids.add(String.valueOf(r.getProperty(IoTConnection.CONNECTION_ID)));
            }
            return ids;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(filter, e);
        }
    }

    private <S> S getService(ServiceReference<S> ref) {
        S service = context.getService(ref);
        assertNotNull("service " + ref + " went away", service);
        gotten.add(ref);
        return service;
    }

    private static void awaitState(IoTConnection connection, ConnectionState state) {
        await("connection '" + connection.id() + "' to be " + state, () -> connection.state() == state,
                () -> "it is " + connection.state());
    }

    /**
     * Publishes until the message arrives: a whiteboard subscription, or one restored after a
     * reconnect, is made asynchronously, and what is published before the broker granted it is not
     * delivered.
     */
    private static void assertDelivered(IoTConnection connection, String topic, String payload,
            BlockingQueue<IoTMessage> received) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (System.nanoTime() < deadline) {
            connection.publishAndWait(IoTMessage.of(topic, payload, QoS.AT_LEAST_ONCE));
            IoTMessage m = received.poll(250, TimeUnit.MILLISECONDS);
            if (m != null) {
                assertEquals(topic, m.topic());
                assertEquals(payload, m.payloadAsString());
                return;
            }
        }
        fail("'" + payload + "' published on " + topic + " did not arrive within " + TIMEOUT_MS + " ms (connection state "
                + connection.state() + ")");
    }

    private static IoTMessage poll(BlockingQueue<IoTMessage> queue, String what) throws InterruptedException {
        IoTMessage m = queue.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(what + " did not arrive within " + TIMEOUT_MS + " ms", m);
        return m;
    }

    private static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + TIMEOUT_MS + " ms waiting for " + what + " " + Objects.toString(detail.get(), ""));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
