package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionState;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobUpdateResult;
import org.iotgateway.api.jobs.JobsErrorCode;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.api.jobs.PendingJobs;
import org.junit.jupiter.api.Test;

/** The request API with automatic execution off, against the emulator. */
class JobsServiceApiTest extends EmulatorTestBase {

    @Test
    void listStartDescribeUpdate() {
        String thing = unique("api");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "auto.execute", false));
        assertTrue(jobs.listPendingAndWait().isEmpty());
        assertEquals(Optional.empty(), jobs.describeAndWait(JobsServiceApiTestIds.NEXT, 0, true));
        assertEquals(Optional.empty(), jobs.startNextAndWait(Map.of(), 0));

        emulator.createJob(thing + "-1", "{\"operation\":\"a\"}", thing);
        emulator.createJob(thing + "-2", "{\"operation\":\"b\"}", thing);
        PendingJobs pending = jobs.listPendingAndWait();
        assertEquals(List.of(), pending.inProgress());
        assertEquals(List.of(thing + "-1", thing + "-2"), pending.queued().stream().map(s -> s.jobId()).toList());
        assertEquals(1, pending.queued().get(0).versionNumber());
        assertTrue(pending.queued().get(0).queuedAt().isPresent());

        JobExecution next = jobs.describeAndWait(JobsServiceApiTestIds.NEXT, 0, true).orElseThrow();
        assertEquals(thing + "-1", next.jobId());
        assertEquals(JobExecutionStatus.QUEUED, next.status());

        JobExecution started = jobs.startNextAndWait(Map.of("step", "starting"), 10).orElseThrow();
        assertEquals(thing + "-1", started.jobId());
        assertEquals(JobExecutionStatus.IN_PROGRESS, started.status());
        assertEquals(Map.of("step", "starting"), started.statusDetails());
        assertEquals("a", started.jobDocument().orElseThrow().operation().orElseThrow());
        assertTrue(started.startedAt().isPresent());
        assertTrue(started.approximateSecondsBeforeTimedOut().isPresent());

        JobExecution described = jobs.describeAndWait(thing + "-1", 0, false).orElseThrow();
        assertEquals(JobExecutionStatus.IN_PROGRESS, described.status());
        assertFalse(described.jobDocument().isPresent(), "document left out as asked");
        assertEquals(started.versionNumber(), described.versionNumber());

        JobUpdateResult r = jobs.updateAndWait(thing + "-1", JobUpdate.status(JobExecutionStatus.SUCCEEDED)
                .statusDetails(Map.of("done", "yes")).expectedVersion(described.versionNumber())
                .includeJobExecutionState(true).includeJobDocument(true).build());
        JobExecutionState state = r.executionState().orElseThrow();
        assertEquals(JobExecutionStatus.SUCCEEDED, state.status());
        assertEquals(described.versionNumber() + 1, state.versionNumber());
        assertEquals("a", r.jobDocument().orElseThrow().operation().orElseThrow());
        assertEquals("SUCCEEDED", status(thing, thing + "-1"));
    }

    @Test
    void rejectionsCarryTheCodeAndTheExecutionState() {
        String thing = unique("reject");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "auto.execute", false));
        emulator.createJob(thing + "-1", "{\"operation\":\"a\"}", thing);
        JobExecution started = jobs.startNextAndWait(Map.of(), 0).orElseThrow();

        JobsRejectedException mismatch = assertThrows(JobsRejectedException.class, () -> jobs.updateAndWait(thing + "-1",
                JobUpdate.status(JobExecutionStatus.IN_PROGRESS).expectedVersion(started.versionNumber() + 5).build()));
        assertEquals(JobsErrorCode.VERSION_MISMATCH, mismatch.errorCode());
        assertEquals("VersionMismatch", mismatch.code());
        assertEquals(started.versionNumber(), mismatch.executionState().orElseThrow().versionNumber());
        assertEquals(JobExecutionStatus.IN_PROGRESS, mismatch.executionState().get().status());
        assertTrue(mismatch.getMessage().contains("update of job " + thing + "-1"), mismatch.getMessage());

        JobsRejectedException notFound = assertThrows(JobsRejectedException.class,
                () -> jobs.describeAndWait("no-such-job", 0, true));
        assertEquals(JobsErrorCode.RESOURCE_NOT_FOUND, notFound.errorCode());
        assertFalse(notFound.executionState().isPresent());

        jobs.updateAndWait(thing + "-1", JobUpdate.status(JobExecutionStatus.FAILED).build());
        JobsRejectedException terminal = assertThrows(JobsRejectedException.class, () -> jobs.updateAndWait(thing + "-1",
                JobUpdate.status(JobExecutionStatus.SUCCEEDED).build()));
        assertEquals(JobsErrorCode.INVALID_STATE_TRANSITION, terminal.errorCode());
        assertEquals(JobExecutionStatus.FAILED, terminal.executionState().orElseThrow().status());

        // asynchronous variant: the stage fails with the same exception
        CompletableFuture<Optional<JobExecution>> f = jobs.describe("no-such-job").toCompletableFuture();
        Throwable t = f.handle((v, e) -> e).join();
        assertInstanceOf(JobsRejectedException.class, JobsEngine.unwrap(t));
    }

    @Test
    void invalidArgumentsAreRefusedBeforeAnythingIsSent() {
        String thing = unique("invalid");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone jobs = jobs(connection, settings(thing, "auto.execute", false));
        ready(jobs);
        int before = connection.published.size();
        assertThrows(InvalidRequestException.class, () -> jobs.describe("bad/id"));
        assertThrows(InvalidRequestException.class, () -> jobs.describe("+"));
        assertThrows(InvalidRequestException.class, () -> jobs.describe("x".repeat(65)));
        assertThrows(InvalidRequestException.class, () -> jobs.update(JobsServiceApiTestIds.NEXT,
                JobUpdate.status(JobExecutionStatus.SUCCEEDED).build()));
        assertThrows(InvalidRequestException.class, () -> jobs.update("job", null));
        assertThrows(InvalidRequestException.class, () -> jobs.startNext(Map.of("bad key", "v"), 0));
        assertThrows(InvalidRequestException.class, () -> jobs.startNext(Map.of(), 10081));
        assertThrows(InvalidRequestException.class, () -> jobs.describe("job", -1, true));
        assertEquals(before, connection.published.size());
    }

    @Test
    void notifyAndNotifyNextReachTheListeners() throws Exception {
        String thing = unique("listen");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "auto.execute", false));
        BlockingQueue<PendingJobs> pending = new LinkedBlockingQueue<>();
        BlockingQueue<Optional<JobExecution>> next = new LinkedBlockingQueue<>();
        jobs.addPendingJobsListener(pending::add);
        jobs.addNextJobListener((e, timestamp) -> next.add(e));
        jobs.addNextJobListener((e, timestamp) -> {
            throw new IllegalStateException("a listener that throws does not disturb the others");
        });
        ready(jobs);

        emulator.createJob(thing + "-1", "{\"operation\":\"a\"}", thing);
        PendingJobs p = pending.poll(5, TimeUnit.SECONDS);
        assertEquals(List.of(thing + "-1"), p.queued().stream().map(s -> s.jobId()).toList());
        JobExecution n = next.poll(5, TimeUnit.SECONDS).orElseThrow();
        assertEquals(thing + "-1", n.jobId());
        assertEquals("a", n.jobDocument().orElseThrow().operation().orElseThrow());

        emulator.cancelJobExecution(thing, thing + "-1", false);
        assertTrue(pending.poll(5, TimeUnit.SECONDS).isEmpty());
        assertEquals(Optional.empty(), next.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void requestsTimeOutWhenNoAnswerComes() {
        String thing = unique("timeout");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "auto.execute", false, "operation.timeout.ms", 300));
        ready(jobs);
        stopBroker();
        long t0 = System.nanoTime();
        OperationTimeoutException e = assertThrows(OperationTimeoutException.class, jobs::listPendingAndWait);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 250 && ms < 3000, ms + " ms");
        assertTrue(e.getMessage().contains("listing the pending jobs of thing " + thing), e.getMessage());
        startBroker();
    }

    @Test
    void twoThingsShareSixSubscriptionsInSharedMode() {
        String a = unique("shared-a");
        String b = unique("shared-b");
        RecordingConnection connection = connect(unique("gateway"));
        Jobs.Standalone ja = jobs(connection, settings(a, "subscriptions", "shared"));
        Jobs.Standalone jb = jobs(connection, settings(b, "subscriptions", "shared"));
        ja.addHandler("op", (e, c) -> org.iotgateway.api.jobs.JobOutcome.succeeded(Map.of("by", "a")));
        jb.addHandler("op", (e, c) -> org.iotgateway.api.jobs.JobOutcome.succeeded(Map.of("by", "b")));
        ready(ja);
        ready(jb);
        assertEquals(6, connection.filters().size(), connection.filters().toString());
        assertTrue(connection.filters().stream().allMatch(f -> f.startsWith("$aws/things/+/jobs/")));
        emulator.createJob(a + "-1", "{\"operation\":\"op\"}", a);
        emulator.createJob(b + "-1", "{\"operation\":\"op\"}", b);
        emulator.createJob("both-" + a, "{\"operation\":\"op\"}", a, b);
        assertEquals("a", awaitStatus(a, a + "-1", "SUCCEEDED").statusDetails().get("by"));
        assertEquals("b", awaitStatus(b, b + "-1", "SUCCEEDED").statusDetails().get("by"));
        assertEquals("a", awaitStatus(a, "both-" + a, "SUCCEEDED").statusDetails().get("by"));
        assertEquals("b", awaitStatus(b, "both-" + a, "SUCCEEDED").statusDetails().get("by"));
        // the thing mode: six filters of its own
        String c = unique("own");
        Jobs.Standalone jc = jobs(connection, settings(c));
        ready(jc);
        assertEquals(12, connection.filters().size());
    }

    @Test
    void oneJobsServicePerThingAndConnection() {
        String thing = unique("dup");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone first = jobs(connection, settings(thing));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Jobs.open(connection, settings(thing)));
        assertTrue(e.getMessage().contains("already has a jobs service"), e.getMessage());
        first.close();
        jobs(connection, settings(thing)).listPendingAndWait();
    }

    @Test
    void invalidConfigurationNamesTheProperty() {
        RecordingConnection connection = connect(unique("config"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Jobs.open(connection, Map.of("thing.name", "bad thing")));
        assertTrue(e.getMessage().startsWith("thing.name:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Jobs.open(connection, Map.of("thing.name", "t", "qos", 2)));
        assertTrue(e.getMessage().startsWith("qos:"), e.getMessage());
    }

    @Test
    void closedServiceRefusesRequests() {
        String thing = unique("closed");
        Jobs.Standalone jobs = Jobs.open(connect(thing), settings(thing, "auto.execute", false));
        jobs.close();
        Throwable t = jobs.listPending().toCompletableFuture().handle((v, e) -> e).join();
        assertTrue(JobsEngine.unwrap(t).getMessage().contains("closed"), t.toString());
        jobs.close();
    }

    /** {@code $next} as a constant, to read well above. */
    static final class JobsServiceApiTestIds {
        static final String NEXT = org.iotgateway.api.jobs.JobsService.NEXT;

        private JobsServiceApiTestIds() {
        }
    }
}
