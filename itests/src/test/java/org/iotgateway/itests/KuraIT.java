package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudConnectionManager;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.factory.CloudConnectionFactory;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.subscriber.CloudSubscriber;
import org.eclipse.kura.configuration.ConfigurationService;
import org.eclipse.kura.crypto.CryptoService;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.ssl.SslManagerService;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.MetaTypeService;

/**
 * The Kura adapter in a framework that stands in for Kura: the compile-only Kura API declarations installed as a
 * bundle exporting Kura 5.0's package versions, a ConfigurationService following the real one's contract
 * ({@link KuraTestConfigurationService}), a CryptoService and an SslManagerService; our bundles unchanged; a
 * broker that checks passwords and client certificates.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KuraIT {

    static final String KURA_API_BUNDLE = "iotgw.bundle.kura-api-decl";
    static final String KURA_BUNDLE = "iotgw.bundle.kura";

    private static final long TIMEOUT_MS = 15_000;
    private static final long ABSENCE_MS = 3_000;

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private MetaTypeService metaType;

    private KuraTestCryptoService crypto;
    private KuraTestConfigurationService kura;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        KuraTestBroker.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jobs(),
                ItestOptions.shadow(),
                ItestOptions.greengrassDiscovery(),
                bundle(ItestOptions.bundleLocation(KURA_API_BUNDLE)),
                bundle(ItestOptions.bundleLocation(KURA_BUNDLE)),
                systemProperty(KuraTestBroker.PORT).value(System.getProperty(KuraTestBroker.PORT)),
                systemProperty(KuraTestBroker.TLS_PORT).value(System.getProperty(KuraTestBroker.TLS_PORT)),
                systemProperty(KuraTestBroker.KEY_STORE).value(System.getProperty(KuraTestBroker.KEY_STORE)),
                systemProperty(KuraTestBroker.TRUST_STORE).value(System.getProperty(KuraTestBroker.TRUST_STORE)));
    }

    @Before
    public void standInForKura() throws Exception {
        Bundles.assertActive(Bundles.ours(context, KURA_BUNDLE));
        crypto = new KuraTestCryptoService();
        registrations.add(context.registerService(CryptoService.class, crypto, null));
        kura = new KuraTestConfigurationService(context, configAdmin, metaType, crypto);
        kura.open();
        registrations.add(context.registerService(ConfigurationService.class, kura, null));
    }

    @After
    public void cleanUp() throws Exception {
        Configuration[] all = configAdmin.listConfigurations("(service.factoryPid=org.iotgateway.*)");
        if (all != null) {
            for (Configuration c : all) {
                c.delete();
            }
        }
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // already unregistered
            }
        }
        kura.close();
    }

    // ------------------------------------------------------------------ configuration

    @Test
    public void everyComponentIsManagedWithItsOcd() throws Exception {
        String[][] factories = {
                { "org.iotgateway.mqtt.connection", "aws-ocd", "password" },
                { "org.iotgateway.shadow", "shadow-ocd", "thing.name" },
                { "org.iotgateway.jobs", "jobs-ocd", "thing.name" },
                { "org.iotgateway.greengrass.discovery", "discovery-ocd", null },
                { "org.iotgateway.greengrass.autoconnect", "autoconnect-ocd", null },
                { "org.iotgateway.kura.cloud.publisher", "publisher-ocd", "topic" },
                { "org.iotgateway.kura.cloud.subscriber", "subscriber-ocd", "topic.filter" } };
        await("factory PIDs read from the bundles' metatype", () -> kura.getFactoryComponentPids().size() >= 7);
        for (String[] f : factories) {
            assertTrue("factory PID " + f[0] + " offered for new components: " + kura.getFactoryComponentPids(),
                    kura.getFactoryComponentPids().contains(f[0]));
            kura.createFactoryConfiguration(f[0], f[1], Map.of(), false);
        }
        for (String[] f : factories) {
            await(() -> "Kura manages " + f[1] + "; components: " + componentStates(), () -> kura.component(f[1])
                    != null);
            KuraTestConfigurationService.Tracked t = kura.component(f[1]);
            assertEquals(f[0], t.factoryPid);
            assertEquals(kura.findByKuraPid(f[1]).getPid(), t.servicePid);
            KuraTestConfigurationService.Ocd ocd = kura.ocdOf(f[1]);
            assertNotNull("OCD of " + f[1], ocd);
            assertEquals(f[0], ocd.id);
            assertFalse(ocd.types.isEmpty());
            if (f[2] != null) {
                assertTrue(f[0] + " OCD has " + f[2] + ": " + ocd.types.keySet(), ocd.types.containsKey(f[2]));
            }
        }
        assertEquals("Password", kura.ocd("org.iotgateway.mqtt.connection").types.get("password"));
        assertEquals("Password", kura.ocd("org.iotgateway.mqtt.connection").types.get("keystore.password"));

        // a configuration made outside Kura (a .cfg file, the Felix console) is managed too, by its own PID
        Configuration outside = configAdmin.createFactoryConfiguration("org.iotgateway.jobs", "?");
        outside.update(new Hashtable<>(Map.of("thing.name", "outside")));
        await("Kura manages the outside configuration", () -> kura.component(outside.getPid()) != null);

        // hidden where Kura shows them elsewhere: the connection (Cloud Connections page) in the service list,
        // publishers and subscribers in the service list and the new-component dialog; the rest listed
        assertEquals(Boolean.TRUE, kura.component("aws-ocd").reference.getProperty("kura.ui.service.hide"));
        assertNull(kura.component("shadow-ocd").reference.getProperty("kura.ui.service.hide"));
        assertNull(kura.component("jobs-ocd").reference.getProperty("kura.ui.service.hide"));
        assertEquals(Boolean.TRUE, kura.component("publisher-ocd").reference.getProperty("kura.ui.service.hide"));
        ServiceComponentRuntime scr = service(ServiceComponentRuntime.class, null);
        List<String> factoryHidden = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.properties.containsKey("kura.ui.factory.hide")) {
                factoryHidden.add(d.name);
            }
        }
        assertTrue(factoryHidden.toString(), factoryHidden.contains("org.iotgateway.kura.cloud.publisher"));
        assertTrue(factoryHidden.toString(), factoryHidden.contains("org.iotgateway.kura.cloud.subscriber"));
        assertEquals(factoryHidden.toString(), 2, factoryHidden.size());

        assertTrue(kura.problems().toString(), kura.problems().isEmpty());

        // deleting through Kura removes the managed component
        kura.deleteFactoryConfiguration("shadow-ocd", false);
        await("shadow-ocd no longer managed", () -> kura.component("shadow-ocd") == null);
        KuraException e = expectKura(() -> kura.createFactoryConfiguration("org.iotgateway.jobs", "jobs-ocd",
                Map.of(), false));
        assertEquals(KuraErrorCode.INVALID_PARAMETER, e.getCode());
    }

    // ------------------------------------------------------------------ passwords

    @Test
    public void anEncryptedPasswordIsDecryptedAndUsedToConnect() throws Exception {
        kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-pw", tcpConnection("aws-pw"), false);
        // the user edits the new component once it exists (an update racing its creation can be missed by Felix
        // SCR, which reads the properties before their change count)
        awaitConnection("aws-pw");
        kura.updateConfiguration("aws-pw", Map.of("password", KuraTestBroker.PASSWORD));

        // ConfigurationAdmin keeps what Kura wrote: the encrypted value, never the plain one
        Object stored = kura.findByKuraPid("aws-pw").getProperties().get("password");
        assertNotEquals(KuraTestBroker.PASSWORD, stored);
        assertEquals(KuraTestBroker.PASSWORD, new String(crypto.decryptAes(((String) stored).toCharArray())));

        IoTConnection connection = awaitConnection("aws-pw");
        await("connected with the decrypted password", () -> connection.state() == ConnectionState.CONNECTED);
        connection.publishAndWait("itest/kura/pw", "ok".getBytes(StandardCharsets.UTF_8),
                org.iotgateway.api.QoS.AT_LEAST_ONCE);

        // the broker really checks: an (encrypted) wrong password does not connect
        kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-wrong", tcpConnection("aws-wrong"),
                false);
        IoTConnection wrong = awaitConnection("aws-wrong");
        kura.updateConfiguration("aws-wrong", Map.of("password", "not-the-password"));
        Thread.sleep(ABSENCE_MS);
        assertNotEquals(ConnectionState.CONNECTED, wrong.state());

        // a plain value (made outside Kura) is still accepted
        kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-plain", withPassword(
                tcpConnection("aws-plain"), KuraTestBroker.PASSWORD), false);
        IoTConnection plain = awaitConnection("aws-plain");
        await("connected with the plain password", () -> plain.state() == ConnectionState.CONNECTED);
    }

    @Test
    public void passwordsEncryptedBeforeTheAdapterStartedAreDecryptedWhenItStarts() throws Exception {
        // Kura boots: the configuration (encrypted password) is delivered before the adapter runs
        org.osgi.framework.Bundle adapter = Bundles.ours(context, KURA_BUNDLE);
        adapter.stop();
        try {
            kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-early", tcpConnection("aws-early"),
                    false);
            kura.updateConfiguration("aws-early", Map.of("password", KuraTestBroker.PASSWORD));
            IoTConnection early = awaitConnection("aws-early");
            Thread.sleep(ABSENCE_MS);
            assertNotEquals("the encrypted value itself is not the password", ConnectionState.CONNECTED,
                    early.state());
        } finally {
            adapter.start();
        }
        IoTConnection connection = awaitConnection("aws-early");
        await("connected once the adapter delivered the configuration again, decrypted",
                () -> connection.state() == ConnectionState.CONNECTED);
    }

    // ------------------------------------------------------------------ cloud connection

    @Test
    public void cloudPublisherAndSubscriberGoThroughTheConnection() throws Exception {
        CloudConnectionFactory factory = service(CloudConnectionFactory.class, null);
        assertEquals("org.iotgateway.mqtt.connection", factory.getFactoryPid());
        factory.createConfiguration("aws-cloud");
        // as a person in Kura's UI: edit the new connection once it exists. Felix SCR (2.2.6 and 2.2.12) reads a
        // configuration's properties before its change count, so an update that lands in between leaves the
        // component with the first properties and drops the update's event as already seen
        await("SCR holds the new configuration", () -> scrHolds("org.iotgateway.mqtt.connection", "aws-cloud"));
        kura.updateConfiguration("aws-cloud", withPassword(tcpConnection("aws-cloud"), KuraTestBroker.PASSWORD));
        await("the cloud connection is listed", () -> managed(factory).contains("aws-cloud"));
        assertEquals(List.of("aws-cloud"), factory.getStackComponentsPids("aws-cloud"));
        assertEquals(KuraErrorCode.INVALID_PARAMETER, expectKura(() -> factory.createConfiguration("aws-cloud"))
                .getCode());
        assertEquals(KuraErrorCode.INVALID_PARAMETER, expectKura(() -> factory.createConfiguration("bad/../name"))
                .getCode());
        CloudConnectionManager manager = service(CloudConnectionManager.class, "(kura.service.pid=aws-cloud)");
        await("the cloud connection connects", manager::isConnected);

        kura.createFactoryConfiguration("org.iotgateway.kura.cloud.subscriber", "aws-cloud-sub", Map.of(
                "cloud.endpoint.service.pid", "aws-cloud", "topic.filter", "itest/kura/+/data", "qos", 1), false);
        kura.createFactoryConfiguration("org.iotgateway.kura.cloud.publisher", "aws-cloud-pub", Map.of(
                "cloud.endpoint.service.pid", "aws-cloud", "topic", "itest/kura/$assetName/data", "qos", 1), false);
        CloudSubscriber subscriber = awaitService(CloudSubscriber.class, "(kura.service.pid=aws-cloud-sub)");
        CloudPublisher publisher = awaitService(CloudPublisher.class, "(kura.service.pid=aws-cloud-pub)");
        BlockingQueue<KuraMessage> received = new LinkedBlockingQueue<>();
        subscriber.registerCloudSubscriberListener(received::add);
        BlockingQueue<String> confirmed = new LinkedBlockingQueue<>();
        publisher.registerCloudDeliveryListener(confirmed::add);
        Thread.sleep(500); // the subscription is made asynchronously once the subscriber sees the endpoint

        KuraPayload payload = new KuraPayload();
        payload.setTimestamp(new java.util.Date(1_700_000_000_000L));
        payload.addMetric("temperature", 21.5);
        payload.addMetric("running", true);
        String id = publisher.publish(new KuraMessage(payload, Map.of("assetName", "line1")));
        assertNotNull(id);

        KuraMessage message = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertNotNull("the subscriber received the published message through the broker", message);
        assertEquals("itest/kura/line1/data", message.getProperties().get("topic"));
        assertEquals("{\"timestamp\":1700000000000,\"metrics\":{\"running\":true,\"temperature\":21.5}}",
                new String(message.getPayload().getBody(), StandardCharsets.UTF_8));
        assertEquals(id, confirmed.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS));

        // a body-only payload goes out unchanged
        KuraPayload raw = new KuraPayload();
        raw.setBody(new byte[] { 1, 2, 3, (byte) 0xff });
        publisher.publish(new KuraMessage(raw, Map.of("assetName", "line2")));
        KuraMessage second = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(second);
        assertEquals("itest/kura/line2/data", second.getProperties().get("topic"));
        assertTrue(java.util.Arrays.equals(raw.getBody(), second.getPayload().getBody()));

        // hostile input is refused before anything is sent
        KuraPayload any = new KuraPayload();
        any.setBody(new byte[1]);
        assertEquals(KuraErrorCode.INVALID_PARAMETER, expectKura(() -> publisher.publish(new KuraMessage(any, Map.of(
                "assetName", "a/#")))).getCode());
        assertEquals(KuraErrorCode.INVALID_PARAMETER, expectKura(() -> publisher.publish(new KuraMessage(any)))
                .getCode());
        KuraPayload huge = new KuraPayload();
        huge.setBody(new byte[128 * 1024 + 1]);
        assertEquals(KuraErrorCode.ENCODE_ERROR, expectKura(() -> publisher.publish(new KuraMessage(huge, Map.of(
                "assetName", "x")))).getCode());
        CloudEndpoint endpoint = service(CloudEndpoint.class, "(kura.service.pid=aws-cloud)");
        assertEquals(KuraErrorCode.INVALID_PARAMETER, expectKura(() -> endpoint.publish(new KuraMessage(any, Map.of(
                "topic", "itest/kura/q", "qos", 2)))).getCode());
        assertNull("nothing else arrived", received.poll(1, TimeUnit.SECONDS));

        // deleting the cloud connection through the factory removes it
        factory.deleteConfiguration("aws-cloud");
        await("the cloud connection is gone", () -> !managed(factory).contains("aws-cloud"));
    }

    // ------------------------------------------------------------------ TLS from Kura's SSL manager

    @Test
    public void anSslManagerContextConnectsOverTlsAndReconnectsWhenItChanges() throws Exception {
        KuraTestSslManagerService ssl = new KuraTestSslManagerService(System.getProperty(KuraTestBroker.KEY_STORE),
                System.getProperty(KuraTestBroker.TRUST_STORE), KuraTestBroker.STORE_PASSWORD.toCharArray());
        Map<String, Object> properties = new HashMap<>();
        properties.put("connection.id", "aws-tls");
        properties.put("endpoint", "127.0.0.1");
        properties.put("port", Integer.getInteger(KuraTestBroker.TLS_PORT));
        properties.put("transport", "mqtts");
        properties.put("client.id", "kura-itest-tls");
        properties.put("username", KuraTestBroker.USER);
        properties.put("password", KuraTestBroker.PASSWORD);
        properties.put("metrics.enabled", false);
        properties.put("tls.provider.target", "(kura.service.pid=org.eclipse.kura.ssl.SslManagerService)");
        kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-tls", properties, false);

        // no provider yet: the connection waits, no service
        Thread.sleep(ABSENCE_MS);
        assertTrue(context.getServiceReferences(IoTConnection.class, "(connection.id=aws-tls)").isEmpty());

        ServiceRegistration<SslManagerService> registration = context.registerService(SslManagerService.class, ssl,
                new Hashtable<>(Map.of("kura.service.pid", "org.eclipse.kura.ssl.SslManagerService")));
        registrations.add(registration);
        IoTConnection connection = awaitConnection("aws-tls");
        await("connected over TLS with the SSL manager's key", () -> connection.state() == ConnectionState.CONNECTED);
        assertEquals(1, ssl.contexts.get());

        // Kura's SSL manager is reconfigured (its service properties change): the connection takes a new context
        List<ConnectionState> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        connection.addStateListener(event -> states.add(event.current()));
        registration.setProperties(new Hashtable<>(Map.of("kura.service.pid",
                "org.eclipse.kura.ssl.SslManagerService", "ssl.keystore.changed", 1)));
        await("a new context was taken", () -> ssl.contexts.get() == 2);
        await("reconnected", () -> states.contains(ConnectionState.CONNECTED)
                && connection.state() == ConnectionState.CONNECTED);
    }

    @Test
    public void aKeystoreServiceSuppliesTheTlsMaterial() throws Exception {
        KuraTestKeystoreService keystore = new KuraTestKeystoreService(System.getProperty(KuraTestBroker.KEY_STORE),
                System.getProperty(KuraTestBroker.TRUST_STORE), KuraTestBroker.STORE_PASSWORD.toCharArray());
        registrations.add(context.registerService(org.eclipse.kura.security.keystore.KeystoreService.class, keystore,
                new Hashtable<>(Map.of("kura.service.pid", "itest.keystore"))));
        Map<String, Object> properties = new HashMap<>();
        properties.put("connection.id", "aws-keystore");
        properties.put("endpoint", "localhost");
        properties.put("port", Integer.getInteger(KuraTestBroker.TLS_PORT));
        properties.put("transport", "mqtts");
        properties.put("client.id", "kura-itest-keystore");
        properties.put("username", KuraTestBroker.USER);
        properties.put("password", KuraTestBroker.PASSWORD);
        properties.put("metrics.enabled", false);
        properties.put("tls.provider.target", "(kura.service.pid=itest.keystore)");
        kura.createFactoryConfiguration("org.iotgateway.mqtt.connection", "aws-keystore", properties, false);
        IoTConnection connection = awaitConnection("aws-keystore");
        await("connected over TLS with the keystore's key and CA",
                () -> connection.state() == ConnectionState.CONNECTED);
    }

    // ------------------------------------------------------------------ helpers

    private static String describe(Object value) {
        return value instanceof Object[] ? java.util.Arrays.toString((Object[]) value) : value + " ("
                + (value == null ? "null" : value.getClass().getSimpleName()) + ")";
    }

    /** For failure messages: the state of our DS components. */
    private String componentStates() {
        StringBuilder sb = new StringBuilder();
        try {
            ServiceComponentRuntime scr = service(ServiceComponentRuntime.class, null);
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (d.name.startsWith("org.iotgateway")) {
                    sb.append("\n  ").append(d.name).append(':');
                    // a loop, not a lambda: the host (which has no DS API) must load this class too
                    for (org.osgi.service.component.runtime.dto.ComponentConfigurationDTO c
                            : scr.getComponentConfigurationDTOs(d)) {
                        sb.append(' ').append(c.state).append(c.properties.get("kura.service.pid"));
                    }
                }
            }
            for (ServiceReference<?> r : context.getServiceReferences(
                    org.eclipse.kura.configuration.ConfigurableComponent.class.getName(), null)) {
                sb.append("\n  ConfigurableComponent ").append(r.getProperty("kura.service.pid")).append(' ')
                        .append(describe(r.getProperty("service.pid"))).append(' ')
                        .append(r.getProperty("service.factoryPid"));
            }
        } catch (Exception e) {
            sb.append(e);
        }
        return sb.toString();
    }

    private static Map<String, Object> tcpConnection(String id) {
        Map<String, Object> p = new HashMap<>();
        p.put("connection.id", id);
        p.put("endpoint", "127.0.0.1");
        p.put("port", Integer.getInteger(KuraTestBroker.PORT));
        p.put("transport", "tcp");
        p.put("client.id", "kura-itest-" + id);
        p.put("username", KuraTestBroker.USER);
        p.put("metrics.enabled", false);
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("reconnect.backoff.max.ms", 1000L);
        return p;
    }

    private static Map<String, Object> withPassword(Map<String, Object> p, String password) {
        Map<String, Object> copy = new HashMap<>(p);
        copy.put("password", password);
        return copy;
    }

    /** @return whether SCR has a configuration of the component (by its configuration PID) for the Kura PID */
    private boolean scrHolds(String configurationPid, String kuraPid) {
        try {
            ServiceComponentRuntime scr = service(ServiceComponentRuntime.class, null);
            // loops, not lambdas: the host (which has no DS API) must load this class too
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (!java.util.Arrays.asList(d.configurationPid).contains(configurationPid)) {
                    continue;
                }
                for (org.osgi.service.component.runtime.dto.ComponentConfigurationDTO c
                        : scr.getComponentConfigurationDTOs(d)) {
                    if (kuraPid.equals(c.properties.get("kura.service.pid"))) {
                        return true;
                    }
                }
            }
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Collection<String> managed(CloudConnectionFactory factory) {
        try {
            return factory.getManagedCloudConnectionPids();
        } catch (KuraException e) {
            throw new AssertionError(e);
        }
    }

    private IoTConnection awaitConnection(String id) throws Exception {
        return awaitService(IoTConnection.class, "(connection.id=" + id + ")");
    }

    private <T> T awaitService(Class<T> type, String filter) throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            Collection<ServiceReference<T>> refs = context.getServiceReferences(type, filter);
            if (!refs.isEmpty()) {
                return context.getService(refs.iterator().next());
            }
            Thread.sleep(50);
        }
        fail("no " + type.getSimpleName() + " service " + filter + " within " + TIMEOUT_MS + " ms");
        return null;
    }

    private <T> T service(Class<T> type, String filter) throws Exception {
        return awaitService(type, filter);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(() -> what, condition);
    }

    private static void await(java.util.function.Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("not within " + TIMEOUT_MS + " ms: " + what.get());
            }
            Thread.sleep(50);
        }
    }

    interface KuraCall {
        void run() throws Exception;
    }

    private static KuraException expectKura(KuraCall call) {
        try {
            call.run();
        } catch (KuraException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a KuraException, got " + e, e);
        }
        throw new AssertionError("expected a KuraException, nothing was thrown");
    }
}
