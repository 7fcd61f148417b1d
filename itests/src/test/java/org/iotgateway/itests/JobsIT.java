package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobsErrorCode;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.api.jobs.JobsService;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The jobs bundle in a real framework, against the AWS IoT emulator (running in the host JVM, see
 * {@link TestEmulator}): the bundles start, the metatype OCD, a jobs configuration next to a connection
 * configuration registers a JobsService, a whiteboard JobHandler runs a job created on the emulator
 * (through its admin HTTP endpoint) to SUCCEEDED, an invalid configuration registers nothing, deleting
 * the configuration removes the service.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class JobsIT extends EmulatorTestSupport {

    private static final String JOBS_FACTORY_PID = "org.iotgateway.jobs";

    /** Host side: starts the emulator (once per JVM) and provisions the framework. */
    @org.ops4j.pax.exam.Configuration
    public Option[] configuration() {
        TestEmulator.ensureStarted();
        return options(
                ItestOptions.runtime(),
                ItestOptions.mqtt(),
                ItestOptions.jobs(),
                systemProperty(TestEmulator.MQTT_PORT_PROPERTY).value(System.getProperty(TestEmulator.MQTT_PORT_PROPERTY)),
                systemProperty(TestEmulator.ADMIN_PORT_PROPERTY).value(System.getProperty(TestEmulator.ADMIN_PORT_PROPERTY)));
    }

    @Before
    public void jobsBundleIsActive() {
        Bundles.assertActive(Bundles.ours(context, ItestOptions.JOBS_BUNDLE_PROPERTY));
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    public void bundlesAreActiveAndTheOcdIsReadable() {
        Bundles.assertActive(Bundles.ours(context, ItestOptions.API_BUNDLE_PROPERTY));
        Bundles.assertActive(Bundles.ours(context, ItestOptions.MQTT_BUNDLE_PROPERTY));
        Bundle jobs = Bundles.ours(context, ItestOptions.JOBS_BUNDLE_PROPERTY);
        Bundles.assertActive(jobs);
        assertEquals("org.iotgateway.jobs", jobs.getSymbolicName());
        for (String jackson : Arrays.asList("com.fasterxml.jackson.core.jackson-core",
                "com.fasterxml.jackson.core.jackson-databind", "com.fasterxml.jackson.core.jackson-annotations")) {
            Bundles.assertActive(Bundles.find(context, jackson));
        }

        MetaTypeInformation info = metaTypeService.getMetaTypeInformation(jobs);
        assertNotNull("metatype information of the jobs bundle", info);
        assertTrue("factory PIDs " + Arrays.toString(info.getFactoryPids()),
                Arrays.asList(info.getFactoryPids()).contains(JOBS_FACTORY_PID));
        ObjectClassDefinition ocd = info.getObjectClassDefinition(JOBS_FACTORY_PID, null);
        assertEquals("AWS IoT Jobs", ocd.getName());
        AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        List<String> ids = new ArrayList<>();
        for (AttributeDefinition ad : ads) {
            ids.add(ad.getID());
            if ("IoTConnection.target".equals(ad.getID())) {
                assertArrayEquals(new String[] { "(connection.id=aws)" }, ad.getDefaultValue());
            }
            if ("auto.execute".equals(ad.getID())) {
                assertEquals(AttributeDefinition.BOOLEAN, ad.getType());
            }
        }
        assertTrue("attributes " + ids, ids.containsAll(Arrays.asList("thing.name", "IoTConnection.target",
                "auto.execute", "step.timeout", "qos", "operation.timeout", "handler.wait", "cancel.wait",
                "subscriptions")));
    }

    @Test
    public void whiteboardHandlerRunsAJobToSucceeded() throws Exception {
        String connectionId = unique("jobs-conn");
        String thing = unique("itest-thing");
        String operation = unique("itest-op");
        String jobId = unique("itest-job");
        connectToEmulator(connectionId);

        Configuration jobsConfiguration = createConfiguration(JOBS_FACTORY_PID, jobsProperties(thing, connectionId));
        ServiceReference<JobsService> ref = awaitService(JobsService.class, "(thing.name=" + thing + ")");
        assertEquals(thing, ref.getProperty(JobsService.THING_NAME));
        assertEquals(connectionId, ref.getProperty(JobsService.CONNECTION_ID));
        assertEquals(Boolean.TRUE, ref.getProperty(JobsService.AUTO_EXECUTE));
        JobsService jobs = getService(ref);
        assertEquals(thing, jobs.thingName());
        assertTrue("nothing pending yet", jobs.listPendingAndWait().isEmpty());

        // the whiteboard handler: reports progress, waits for the test to see it, succeeds
        BlockingQueue<JobExecution> executions = new LinkedBlockingQueue<>();
        CountDownLatch release = new CountDownLatch(1);
        JobHandler handler = (execution, jobContext) -> {
            executions.add(execution);
            jobContext.reportProgressAndWait(Map.of("step", "working"));
            if (!release.await(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                return JobOutcome.failed("the test did not release the handler");
            }
            return JobOutcome.succeeded(Map.of("result", "done"));
        };
        Hashtable<String, Object> handlerProperties = new Hashtable<>();
        handlerProperties.put(JobHandler.OPERATION, operation);
        registrations.add(context.registerService(JobHandler.class, handler, handlerProperties));

        // a job for the thing, created on the emulator through its admin endpoint
        String created = admin("POST", "/jobs", "{\"jobId\":\"" + jobId + "\",\"document\":{\"operation\":\""
                + operation + "\",\"step\":1},\"things\":[\"" + thing + "\"]}");
        assertTrue(created, created.contains(jobId));

        JobExecution execution = executions.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertNotNull("the handler was not called within " + TIMEOUT_MS + " ms; emulator: "
                + adminOrError("/things/" + thing + "/jobs"), execution);
        assertEquals(jobId, execution.jobId());
        assertEquals(thing, execution.thingName());
        assertEquals(operation, execution.jobDocument().orElseThrow().content().get("operation"));

        // the progress report reached the service: IN_PROGRESS with the status detail
        String path = "/things/" + thing + "/jobs/" + jobId;
        await("the execution to be IN_PROGRESS with step=working",
                () -> hasStatus(adminOrError(path), "IN_PROGRESS") && adminOrError(path).contains("\"working\""),
                () -> adminOrError(path));
        assertTrue("still pending while the handler runs", jobs.listPendingAndWait().contains(jobId));

        release.countDown();
        await("the execution to be SUCCEEDED on the emulator", () -> hasStatus(adminOrError(path), "SUCCEEDED"),
                () -> adminOrError(path));
        String finalState = admin("GET", path, null);
        assertTrue(finalState, compact(finalState).contains("\"statusDetails\":{\"result\":\"done\"}"));

        // and through the JobsService: no longer pending, described as SUCCEEDED
        assertFalse("no longer pending", jobs.listPendingAndWait().contains(jobId));
        // (like AWS IoT, the emulator answers a describe of a finished execution with TerminalStateReached)
        try {
            Optional<JobExecution> described = jobs.describeAndWait(jobId, 0, false);
            fail("describe of the finished execution answered " + described);
        } catch (JobsRejectedException e) {
            assertEquals(e.toString(), JobsErrorCode.TERMINAL_STATE_REACHED, e.errorCode());
            assertTrue(e.getMessage(), e.getMessage().contains("SUCCEEDED"));
        }
        assertEquals("the handler ran once", 0, executions.size());

        // deleting the configuration removes the service
        jobsConfiguration.delete();
        awaitNoService(JobsService.class, "(thing.name=" + thing + ")");
    }

    @Test
    public void liveReconfigurationAndDeletion() throws Exception {
        String connectionId = unique("jobs-conn");
        String first = unique("itest-jobs-first");
        String second = unique("itest-jobs-second");
        connectToEmulator(connectionId);

        Configuration configuration = createConfiguration(JOBS_FACTORY_PID, jobsProperties(first, connectionId));
        awaitService(JobsService.class, "(&(thing.name=" + first + ")(auto.execute=true))");

        // the same configuration now names another thing and stops executing jobs by itself
        Hashtable<String, Object> changed = jobsProperties(second, connectionId);
        changed.put("auto.execute", Boolean.FALSE);
        configuration.update(changed);
        ServiceReference<JobsService> ref = awaitService(JobsService.class,
                "(&(thing.name=" + second + ")(auto.execute=false))");
        awaitNoService(JobsService.class, "(thing.name=" + first + ")");
        JobsService jobs = getService(ref);
        assertEquals(second, jobs.thingName());

        // a job for the new thing is seen through the reconfigured service, and stays queued
        String jobId = unique("itest-job");
        admin("POST", "/jobs", "{\"jobId\":\"" + jobId + "\",\"document\":{\"operation\":\"noop\"},\"things\":[\"" + second
                + "\"]}");
        await("job " + jobId + " pending for " + second, () -> jobs.listPendingAndWait().contains(jobId));
        assertTrue(hasStatus(admin("GET", "/things/" + second + "/jobs/" + jobId, null), "QUEUED"));

        configuration.delete();
        awaitNoService(JobsService.class, "(thing.name=" + second + ")");
    }

    @Test
    public void invalidConfigurationRegistersNoService() throws Exception {
        String connectionId = unique("jobs-conn");
        connectToEmulator(connectionId);

        AtomicInteger registered = countRegistrations(JobsService.class);

        // a thing name with a space is not a valid thing name
        createConfiguration(JOBS_FACTORY_PID, jobsProperties("bad thing", connectionId));
        Thread.sleep(ABSENCE_MS);
        assertEquals("JobsService services registered for the invalid configuration", 0, registered.get());
        assertEquals(0, context.getServiceReferences(JobsService.class, "(connection.id=" + connectionId + ")").size());

        // a valid one next to it works (the framework is not just slow)
        String thing = unique("itest-thing");
        createConfiguration(JOBS_FACTORY_PID, jobsProperties(thing, connectionId));
        awaitService(JobsService.class, "(thing.name=" + thing + ")");
        assertEquals(1, registered.get());
        assertEquals(1, context.getServiceReferences(JobsService.class, "(connection.id=" + connectionId + ")").size());
    }

    // ---------------------------------------------------------------------------------- helpers

    private static void assertArrayEquals(String[] expected, String[] actual) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual));
    }
}
