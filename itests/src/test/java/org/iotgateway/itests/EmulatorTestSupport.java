package org.iotgateway.itests;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.junit.After;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeService;

/**
 * What the tests against the AWS IoT emulator ({@link TestEmulator}) share: the injected framework
 * services, a connection configuration to the emulator, configurations and services the test made
 * (removed again after each test, newest first), bounded waits and the emulator's admin HTTP endpoint.
 * Runs inside the framework; subclasses provision it with their own {@code @Configuration} method.
 */
public abstract class EmulatorTestSupport {

    protected static final String CONNECTION_FACTORY_PID = "org.iotgateway.mqtt.connection";

    /** Bound for everything that should happen "soon". */
    protected static final long TIMEOUT_MS = 10_000;
    /** How long something that must not happen is given to happen anyway. */
    protected static final long ABSENCE_MS = 1_500;

    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configurationAdmin;

    @Inject
    protected MetaTypeService metaTypeService;

    protected final List<Configuration> configurations = new ArrayList<>();
    protected final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    protected final List<ServiceReference<?>> gotten = new ArrayList<>();
    protected final List<ServiceListener> listeners = new ArrayList<>();

    @After
    public void cleanUpWhatTheTestMade() {
        for (ServiceListener l : listeners) {
            context.removeServiceListener(l);
        }
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
        // dependent configurations (shadow, jobs) first, their connection last
        for (int i = configurations.size() - 1; i >= 0; i--) {
            try {
                configurations.get(i).delete();
            } catch (IOException | IllegalStateException alreadyGone) {
                // deleted by the test
            }
        }
    }

    // ---------------------------------------------------------------------- configurations

    protected static String unique(String prefix) {
        return prefix + "-" + System.currentTimeMillis() % 100_000 + "-" + COUNTER.incrementAndGet();
    }

    protected static int emulatorMqttPort() {
        return Integer.parseInt(requiredProperty(TestEmulator.MQTT_PORT_PROPERTY));
    }

    /** A plain-TCP connection configuration for the emulator. */
    protected static Hashtable<String, Object> emulatorConnectionProperties(String connectionId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("connection.id", connectionId);
        p.put("endpoint", "127.0.0.1");
        p.put("port", emulatorMqttPort());
        p.put("transport", "tcp");
        p.put("client.id", connectionId + "-client");
        p.put("reconnect.backoff.base.ms", 200L);
        p.put("queue.drain.frequency", 0.0d);
        p.put("operation.timeout", 10);
        return p;
    }

    /** Counts the services of that type registered from now on (the listener is removed after the test). */
    protected AtomicInteger countRegistrations(Class<?> type) throws Exception {
        AtomicInteger registered = new AtomicInteger();
        ServiceListener listener = event -> {
            if (event.getType() == ServiceEvent.REGISTERED) {
                registered.incrementAndGet();
            }
        };
        context.addServiceListener(listener, "(objectClass=" + type.getName() + ")");
        listeners.add(listener);
        return registered;
    }

    /** Creates a connection configuration for the emulator and waits until it is CONNECTED. */
    protected Configuration connectToEmulator(String connectionId) throws IOException {
        Configuration c = createConfiguration(CONNECTION_FACTORY_PID, emulatorConnectionProperties(connectionId));
        awaitConnected(connectionId);
        return c;
    }

    /** Waits for the IoTConnection service of that id and for it to be CONNECTED. */
    protected IoTConnection awaitConnected(String connectionId) {
        // looked up afresh on every poll: right after a configuration change or a bundle update the registry may
        // still show the previous, closed service of that id for a moment
        String filter = "(connection.id=" + connectionId + ")";
        IoTConnection[] connected = new IoTConnection[1];
        String[] last = { "no service" };
        await("connection " + connectionId + " to be CONNECTED to the emulator", () -> {
            for (ServiceReference<IoTConnection> ref : references(IoTConnection.class, filter)) {
                IoTConnection c = context.getService(ref);
                if (c == null) {
                    continue;
                }
                ConnectionState state;
                try {
                    state = c.state();
                } catch (RuntimeException e) {
                    context.ungetService(ref);
                    continue;
                }
                last[0] = "state " + state;
                if (state == ConnectionState.CONNECTED) {
                    gotten.add(ref);
                    connected[0] = c;
                    return true;
                }
                context.ungetService(ref);
            }
            return false;
        }, () -> last[0]);
        return connected[0];
    }

    protected Configuration createConfiguration(String factoryPid, Dictionary<String, Object> properties)
            throws IOException {
        Configuration c = configurationAdmin.createFactoryConfiguration(factoryPid, "?");
        configurations.add(c);
        c.update(properties);
        return c;
    }

    /** A classic-shadow configuration on the given connection. */
    protected static Hashtable<String, Object> shadowProperties(String thing, String connectionId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("thing.name", thing);
        p.put("shadow.name", "");
        p.put("IoTConnection.target", "(connection.id=" + connectionId + ")");
        p.put("persistent.subscriptions", Boolean.TRUE);
        p.put("qos", 1);
        p.put("operation.timeout", 10);
        p.put("max.inflight", 10);
        return p;
    }

    /** A jobs configuration (auto-execute) on the given connection. */
    protected static Hashtable<String, Object> jobsProperties(String thing, String connectionId) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("thing.name", thing);
        p.put("IoTConnection.target", "(connection.id=" + connectionId + ")");
        p.put("auto.execute", Boolean.TRUE);
        p.put("operation.timeout", 10);
        p.put("handler.wait", 10);
        p.put("cancel.wait", 5);
        return p;
    }

    // ---------------------------------------------------------------------- services

    protected <S> S getService(ServiceReference<S> ref) {
        S service = context.getService(ref);
        assertNotNull("service " + ref + " went away", service);
        gotten.add(ref);
        return service;
    }

    protected <S> ServiceReference<S> awaitService(Class<S> type, String filter) {
        List<ServiceReference<S>> found = new ArrayList<>();
        await(type.getSimpleName() + " " + filter, () -> {
            found.clear();
            found.addAll(references(type, filter));
            return !found.isEmpty();
        });
        return found.get(0);
    }

    protected <S> void awaitNoService(Class<S> type, String filter) {
        await("no " + type.getSimpleName() + " " + filter, () -> references(type, filter).isEmpty());
    }

    protected <S> List<ServiceReference<S>> references(Class<S> type, String filter) {
        try {
            return new ArrayList<>(context.getServiceReferences(type, filter));
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(filter, e);
        }
    }

    protected static String requiredProperty(String name) {
        String value = System.getProperty(name);
        assertNotNull("system property " + name + " (set by the @Configuration method on the host)", value);
        return value;
    }

    // ---------------------------------------------------------------------- waiting

    protected static void await(String what, BooleanSupplier condition) {
        await(what, condition, () -> "");
    }

    protected static void await(String what, BooleanSupplier condition, Supplier<String> detail) {
        await(TIMEOUT_MS, what, condition, detail);
    }

    protected static void await(long timeoutMillis, String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeoutMillis + " ms waiting for " + what + " " + detail.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    // ---------------------------------------------------------------------- the emulator's admin endpoint

    protected static boolean hasStatus(String executionJson, String status) {
        return compact(executionJson).contains("\"status\":\"" + status + "\"");
    }

    /** The emulator pretty-prints its JSON; the values the tests look for contain no white space. */
    protected static String compact(String json) {
        return json.replaceAll("\\s+", "");
    }

    /** @return the answer to a GET, or a description of the failure (for messages and polling) */
    protected static String adminOrError(String path) {
        try {
            return admin("GET", path, null);
        } catch (IOException | AssertionError e) {
            return "(admin " + path + ": " + e.getMessage() + ")";
        }
    }

    /** A request to the emulator's admin endpoint; fails on a status other than 2xx. */
    protected static String admin(String method, String path, String body) throws IOException {
        URL url = new URL("http://127.0.0.1:" + requiredProperty(TestEmulator.ADMIN_PORT_PROPERTY) + path);
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        try {
            c.setConnectTimeout(5_000);
            c.setReadTimeout(5_000);
            c.setRequestMethod(method);
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : read(in);
            if (status / 100 != 2) {
                throw new AssertionError(method + " " + path + " answered " + status + ": " + text);
            }
            return text;
        } finally {
            c.disconnect();
        }
    }

    private static String read(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
