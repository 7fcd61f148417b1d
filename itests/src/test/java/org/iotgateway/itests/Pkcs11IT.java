package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.QoS;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A connection configured through Configuration Admin in Felix with its device key in a PKCS#11 token (SoftHSM, the
 * key generated inside it) does mutual TLS with mosquitto, which requires a client certificate: the mqtt bundle uses
 * the JDK's SunPKCS11 provider from inside the framework, importing nothing for it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class Pkcs11IT {

    private static final long TIMEOUT_MS = 20_000;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configurationAdmin;

    private Configuration configuration;

    /** Host side: the token, its key and certificate, and the broker. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        Pkcs11TestToken.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                property(Pkcs11TestToken.LIBRARY), property(Pkcs11TestToken.TOKEN_LABEL),
                property(Pkcs11TestToken.PIN), property(Pkcs11TestToken.KEY_LABEL),
                property(Pkcs11TestToken.CA_FILE), property(Pkcs11TestToken.TLS_PORT));
    }

    private static Option property(String name) {
        return systemProperty(name).value(System.getProperty(name));
    }

    @After
    public void deleteConfiguration() throws Exception {
        if (configuration != null) {
            configuration.delete();
        }
    }

    @Test
    public void connectsWithTheKeyInTheToken() throws Exception {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", "p11");
        p.put("endpoint", "localhost");
        p.put("port", Integer.getInteger(Pkcs11TestToken.TLS_PORT));
        p.put("transport", "mqtts");
        p.put("client.id", "itest-p11-" + UUID.randomUUID().toString().substring(0, 8));
        p.put("ca.file", System.getProperty(Pkcs11TestToken.CA_FILE));
        p.put("pkcs11.library", System.getProperty(Pkcs11TestToken.LIBRARY));
        p.put("pkcs11.token.label", System.getProperty(Pkcs11TestToken.TOKEN_LABEL));
        p.put("pkcs11.pin", System.getProperty(Pkcs11TestToken.PIN));
        p.put("pkcs11.key.label", System.getProperty(Pkcs11TestToken.KEY_LABEL));
        configuration = configurationAdmin.createFactoryConfiguration("org.iotgateway.mqtt.connection", "?");
        configuration.update(p);

        ServiceTracker<IoTConnection, IoTConnection> tracker = new ServiceTracker<>(context,
                context.createFilter("(&(objectClass=" + IoTConnection.class.getName() + ")(connection.id=p11))"), null);
        tracker.open();
        try {
            IoTConnection connection = tracker.waitForService(TIMEOUT_MS);
            if (connection == null) {
                fail("no IoTConnection with the PKCS#11 key within " + TIMEOUT_MS + " ms; see the log");
            }
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (connection.state() != ConnectionState.CONNECTED && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(ConnectionState.CONNECTED, connection.state());

            String topic = "itest/p11/" + connection.clientId();
            BlockingQueue<IoTMessage> received = new LinkedBlockingQueue<>();
            connection.subscribeAndWait(topic, QoS.AT_LEAST_ONCE, received::add);
            connection.publishAndWait(IoTMessage.of(topic, "signed in the token", QoS.AT_LEAST_ONCE));
            IoTMessage m = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals("signed in the token", m == null ? null : m.payloadAsString());
        } finally {
            tracker.close();
        }
        // the token's provider is registered for JSSE, once
        long providers = Arrays.stream(Security.getProviders()).map(Provider::getName)
                .filter(n -> n.startsWith("SunPKCS11-iotgw-")).count();
        assertTrue("providers: " + Arrays.toString(Security.getProviders()), providers == 1);
    }
}
