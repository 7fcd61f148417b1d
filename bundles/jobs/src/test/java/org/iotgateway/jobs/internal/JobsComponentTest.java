package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobsService;
import org.iotgateway.api.jobs.PendingJobs;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The DS component driven by hand, the way SCR calls it (no framework: the Pax Exam test in
 * itests/ checks the real wiring).
 */
class JobsComponentTest extends EmulatorTestBase {

    /** What the component registered. */
    static final class Registrations {
        final List<Object> services = new CopyOnWriteArrayList<>();
        final List<Dictionary<String, ?>> properties = new CopyOnWriteArrayList<>();
        volatile boolean unregistered;

        BundleContext context() {
            return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { BundleContext.class },
                    (proxy, method, args) -> {
                        if (method.getName().equals("registerService")) {
                            services.add(args[1]);
                            properties.add(copy((Dictionary<?, ?>) args[2]));
                            return registration();
                        }
                        return defaults(proxy, method.getName(), args);
                    });
        }

        private ServiceRegistration<?> registration() {
            return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] { ServiceRegistration.class }, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "setProperties":
                                properties.add(copy((Dictionary<?, ?>) args[0]));
                                return null;
                            case "unregister":
                                unregistered = true;
                                return null;
                            default:
                                return defaults(proxy, method.getName(), args);
                        }
                    });
        }

        Dictionary<String, ?> last() {
            return properties.get(properties.size() - 1);
        }
    }

    private static Dictionary<String, ?> copy(Dictionary<?, ?> d) {
        Hashtable<String, Object> h = new Hashtable<>();
        for (java.util.Enumeration<?> e = d.keys(); e.hasMoreElements();) {
            Object k = e.nextElement();
            h.put((String) k, d.get(k));
        }
        return h;
    }

    private static Object defaults(Object proxy, String name, Object[] args) {
        switch (name) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "proxy@" + System.identityHashCode(proxy);
            default:
                return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static ServiceReference<JobHandler> handlerReference(Object... kv) {
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put((String) kv[i], kv[i + 1]);
        }
        return (ServiceReference<JobHandler>) Proxy.newProxyInstance(JobsComponentTest.class.getClassLoader(),
                new Class<?>[] { ServiceReference.class }, (proxy, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return props.get(args[0]);
                    }
                    return defaults(proxy, method.getName(), args);
                });
    }

    private static Map<String, Object> config(String thing, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("thing.name", thing);
        m.put("handler.wait", 5);
        m.put(Constants.SERVICE_PID, "org.iotgateway.jobs.1234");
        m.put("service.factoryPid", JobsComponent.FACTORY_PID);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> connectionProperties(IoTConnection c) {
        return Map.of(IoTConnection.CONNECTION_ID, c.id());
    }

    @Test
    void registersJobsServiceRunsWhiteboardHandlersAndReconfiguresLive() {
        String thing = unique("component");
        RecordingConnection connection = connect(thing);
        Registrations r = new Registrations();
        JobsComponent component = new JobsComponent();
        component.bindConnection(connection, connectionProperties(connection));
        component.bindHandler(handlerReference(JobHandler.OPERATION, new String[] { "reboot", "restart" },
                Constants.SERVICE_ID, 7L), (e, c) -> JobOutcome.succeeded(Map.of("by", "whiteboard")));
        Map<String, Object> cfg = config(thing);
        component.activate(r.context(), ConfigProxy.jobs(cfg), cfg);

        assertEquals(1, r.services.size());
        JobsService service = (JobsService) r.services.get(0);
        Dictionary<String, ?> p = r.last();
        assertEquals(thing, p.get(JobsService.THING_NAME));
        assertEquals(connection.id(), p.get(JobsService.CONNECTION_ID));
        assertEquals(Boolean.TRUE, p.get(JobsService.AUTO_EXECUTE));
        assertEquals("org.iotgateway.jobs.1234", p.get(Constants.SERVICE_PID));

        service.listPendingAndWait();
        emulator.createJob(thing + "-1", "{\"operation\":\"restart\"}", thing);
        assertEquals(Map.of("by", "whiteboard"), awaitStatus(thing, thing + "-1", "SUCCEEDED").statusDetails());

        // a handler restricted to another thing does not take this thing's jobs
        component.bindHandler(handlerReference(JobHandler.OPERATION, "calibrate", JobHandler.THING_NAME, "someone-else",
                Constants.SERVICE_ID, 8L), (e, c) -> JobOutcome.succeeded());
        // live change: automatic execution off, same engine, same registration
        Map<String, Object> off = config(thing, "auto.execute", false);
        component.modified(ConfigProxy.jobs(off), off);
        assertEquals(1, r.services.size());
        assertEquals(Boolean.FALSE, r.last().get(JobsService.AUTO_EXECUTE));
        emulator.createJob(thing + "-2", "{\"operation\":\"reboot\"}", thing);
        assertStays(thing, thing + "-2", "QUEUED", java.time.Duration.ofMillis(300));
        Map<String, Object> on = config(thing);
        component.modified(ConfigProxy.jobs(on), on);
        awaitStatus(thing, thing + "-2", "SUCCEEDED");

        component.deactivate();
        assertTrue(r.unregistered);
    }

    @Test
    void invalidConfigurationRegistersNothing() {
        RecordingConnection connection = connect(unique("component-bad"));
        Registrations r = new Registrations();
        JobsComponent component = new JobsComponent();
        component.bindConnection(connection, connectionProperties(connection));
        Map<String, Object> cfg = config("not a thing name");
        component.activate(r.context(), ConfigProxy.jobs(cfg), cfg);
        assertTrue(r.services.isEmpty());

        // fixed by a later configuration: registered then
        String thing = unique("component-fixed");
        Map<String, Object> good = config(thing);
        component.modified(ConfigProxy.jobs(good), good);
        assertEquals(1, r.services.size());
        // broken again: unregistered
        Map<String, Object> bad = config(thing, "qos", 2);
        component.modified(ConfigProxy.jobs(bad), bad);
        assertTrue(r.unregistered);
        component.deactivate();
    }

    @Test
    void handlerWithoutOperationGetsNothingAndConnectionSwapKeepsTheService() {
        String thing = unique("component-swap");
        RecordingConnection first = connect(thing + "-1");
        RecordingConnection second = connect(thing + "-2");
        Registrations r = new Registrations();
        JobsComponent component = new JobsComponent();
        component.bindConnection(first, connectionProperties(first));
        component.bindHandler(handlerReference(Constants.SERVICE_ID, 9L), (e, c) -> JobOutcome.succeeded());
        component.bindHandler(handlerReference(JobHandler.OPERATION, "op", Constants.SERVICE_ID, 10L),
                (e, c) -> JobOutcome.succeeded(Map.of("via", "handler")));
        Map<String, Object> cfg = config(thing);
        component.activate(r.context(), ConfigProxy.jobs(cfg), cfg);
        JobsService service = (JobsService) r.services.get(0);
        service.listPendingAndWait();

        // greedy replacement: bind the new connection, then unbind the old one
        component.bindConnection(second, connectionProperties(second));
        component.unbindConnection(first);
        assertEquals(second.id(), r.last().get(JobsService.CONNECTION_ID));
        assertSame(service, r.services.get(0));
        assertFalse(r.unregistered);
        Await.until("subscribed on the new connection", WAIT, () -> second.filters().size() == 6);
        service.listPendingAndWait();
        emulator.createJob(thing + "-job", "{\"operation\":\"op\"}", thing);
        assertEquals(Map.of("via", "handler"), awaitStatus(thing, thing + "-job", "SUCCEEDED").statusDetails());
        assertTrue(second.publishedTo(thing + "-job/update").size() >= 1);
        assertNull(first.publishedTo(thing + "-job/update").stream().findAny().orElse(null));
        component.deactivate();
    }

    @Test
    void staysRegisteredWithoutAConnectionRequestsWaitForOneAndExecutionResumes() throws Exception {
        String thing = unique("component-unbound");
        Registrations r = new Registrations();
        JobsComponent component = new JobsComponent();
        component.bindHandler(handlerReference(JobHandler.OPERATION, "op", Constants.SERVICE_ID, 11L),
                (e, c) -> JobOutcome.succeeded(Map.of("via", "handler")));
        Map<String, Object> cfg = config(thing, "operation.timeout", 1);
        component.activate(r.context(), ConfigProxy.jobs(cfg), cfg);

        // registered although no connection is bound (like the shadow service), without connection.id
        assertEquals(1, r.services.size());
        assertNull(r.last().get(JobsService.CONNECTION_ID));
        assertEquals(thing, r.last().get(JobsService.THING_NAME));
        JobsService service = (JobsService) r.services.get(0);

        // a request with no connection waits the operation timeout, then fails with the typed timeout
        long start = System.nanoTime();
        OperationTimeoutException timeout = assertThrows(OperationTimeoutException.class, service::listPendingAndWait);
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited >= 900 && waited < 2_900, "waited " + waited + " ms for a 1 s operation timeout");
        assertTrue(timeout.getMessage().contains("no IoTConnection is bound") && timeout.getMessage().contains(thing),
                timeout.getMessage());
        ExecutionException async = assertThrows(ExecutionException.class,
                () -> service.describe(JobsService.NEXT, 0, false).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertInstanceOf(OperationTimeoutException.class, async.getCause());

        // a request made while unbound is sent once a connection is bound within its timeout
        Map<String, Object> longer = config(thing, "operation.timeout", 10);
        component.modified(ConfigProxy.jobs(longer), longer);
        assertSame(service, r.services.get(0));
        CompletableFuture<PendingJobs> waiting = service.listPending().toCompletableFuture();
        emulator.createJob(thing + "-1", "{\"operation\":\"op\"}", thing);
        assertStays(thing, thing + "-1", "QUEUED", java.time.Duration.ofMillis(400));
        assertFalse(waiting.isDone(), "answered without a connection: " + waiting);
        RecordingConnection connection = connect(thing + "-a");
        component.bindConnection(connection, connectionProperties(connection));
        assertEquals(connection.id(), r.last().get(JobsService.CONNECTION_ID));
        assertTrue(waiting.get(10, TimeUnit.SECONDS).contains(thing + "-1"), "the job created while unbound is pending");
        // automatic execution starts with the connection: the job queued meanwhile runs
        assertEquals(Map.of("via", "handler"), awaitStatus(thing, thing + "-1", "SUCCEEDED").statusDetails());

        // unbound again: still registered, connection.id gone, new jobs wait
        component.unbindConnection(connection);
        assertFalse(r.unregistered);
        assertEquals(1, r.services.size());
        assertNull(r.last().get(JobsService.CONNECTION_ID));
        emulator.createJob(thing + "-2", "{\"operation\":\"op\"}", thing);
        assertStays(thing, thing + "-2", "QUEUED", java.time.Duration.ofMillis(400));

        // another connection bound: execution resumes on it
        RecordingConnection second = connect(thing + "-b");
        component.bindConnection(second, connectionProperties(second));
        awaitStatus(thing, thing + "-2", "SUCCEEDED");
        assertTrue(second.publishedTo(thing + "-2/update").size() >= 1);
        assertTrue(connection.publishedTo(thing + "-2/update").isEmpty(), "sent on the unbound connection");
        component.deactivate();
        assertTrue(r.unregistered);
    }
}
