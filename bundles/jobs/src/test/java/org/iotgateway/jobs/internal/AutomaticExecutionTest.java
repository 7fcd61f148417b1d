package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.junit.jupiter.api.Test;

/** Automatic execution against the emulator: the happy path and the ways a job can end. */
class AutomaticExecutionTest extends EmulatorTestBase {

    @Test
    void fullLifecycleWithRegisteredHandler() throws Exception {
        String thing = unique("life");
        Recorder recorder = new Recorder();
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing), recorder);
        AtomicReference<JobExecution> seen = new AtomicReference<>();
        AtomicReference<String> threadName = new AtomicReference<>();
        AtomicReference<Boolean> resumed = new AtomicReference<>();
        jobs.addHandler("reboot", (execution, context) -> {
            seen.set(execution);
            threadName.set(Thread.currentThread().getName());
            resumed.set(context.resumed());
            return JobOutcome.succeeded(Map.of("result", "rebooted"));
        });
        ready(jobs);

        emulator.createJob("reboot-1", "{\"operation\":\"reboot\",\"delaySeconds\":5,\"targets\":[\"a\",\"b\"]}", thing);

        org.iotgateway.emulator.JobExecution done = awaitStatus(thing, "reboot-1", "SUCCEEDED");
        assertEquals(Map.of("result", "rebooted"), done.statusDetails());
        JobExecution e = seen.get();
        assertEquals("reboot-1", e.jobId());
        assertEquals(thing, e.thingName());
        assertEquals(JobExecutionStatus.IN_PROGRESS, e.status());
        assertEquals("reboot", e.jobDocument().orElseThrow().operation().orElseThrow());
        assertEquals(5, e.jobDocument().get().content().get("delaySeconds"));
        assertEquals(List.of("a", "b"), e.jobDocument().get().content().get("targets"));
        assertTrue(e.jobDocument().get().json().contains("\"delaySeconds\":5"));
        assertEquals(1, e.executionNumber());
        assertFalse(resumed.get());
        assertTrue(threadName.get().contains("iotgw-jobs-" + thing), threadName.get());
        Await.until("finished event", WAIT, () -> recorder.has("finished", "reboot-1"));
        assertEquals(List.of("started reboot-1", "finished reboot-1 SUCCEEDED"), recorder.lines());
    }

    @Test
    void progressUpdatesReachTheService() throws Exception {
        String thing = unique("progress");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        CountDownLatch step1Seen = new CountDownLatch(1);
        CountDownLatch step2Seen = new CountDownLatch(1);
        jobs.addHandler("download", (execution, context) -> {
            context.reportProgressAndWait(Map.of("step", "1", "of", "2"));
            step1Seen.await(10, TimeUnit.SECONDS);
            context.reportProgress(Map.of("step", "2", "of", "2"), 5).toCompletableFuture().get(5, TimeUnit.SECONDS);
            step2Seen.await(10, TimeUnit.SECONDS);
            return JobOutcome.succeeded(Map.of("step", "done"));
        });
        ready(jobs);
        emulator.createJob("download-1", "{\"operation\":\"download\"}", thing);

        Await.until("step 1", WAIT, () -> "1".equals(details(thing, "download-1").get("step")));
        org.iotgateway.emulator.JobExecution e = execution(thing, "download-1").orElseThrow();
        assertEquals("IN_PROGRESS", e.status());
        assertEquals(Map.of("step", "1", "of", "2"), e.statusDetails());
        step1Seen.countDown();
        Await.until("step 2", WAIT, () -> "2".equals(details(thing, "download-1").get("step")));
        step2Seen.countDown();
        org.iotgateway.emulator.JobExecution done = awaitStatus(thing, "download-1", "SUCCEEDED");
        assertEquals(Map.of("step", "done"), done.statusDetails());
        // queued 1, started 2, step 1: 3, step 2: 4, succeeded: 5
        assertEquals(5, done.versionNumber());
    }

    @Test
    void versionMismatchIsRecovered() throws Exception {
        String thing = unique("mismatch");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone jobs = jobs(connection, settings(thing));
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch bumped = new CountDownLatch(1);
        AtomicReference<Throwable> progressError = new AtomicReference<>();
        jobs.addHandler("flash", (execution, context) -> {
            context.reportProgressAndWait(Map.of("step", "erase"));
            reported.countDown();
            bumped.await(10, TimeUnit.SECONDS);
            try {
                context.reportProgressAndWait(Map.of("step", "write"));
            } catch (RuntimeException e) {
                progressError.set(e);
            }
            return JobOutcome.succeeded();
        });
        ready(jobs);
        emulator.createJob("flash-1", "{\"operation\":\"flash\"}", thing);
        assertTrue(reported.await(10, TimeUnit.SECONDS));

        // someone else changes the execution: our version is stale now
        jobs.updateAndWait("flash-1", org.iotgateway.api.jobs.JobUpdate.status(JobExecutionStatus.IN_PROGRESS)
                .statusDetails(Map.of("operator", "was here")).build());
        bumped.countDown();

        org.iotgateway.emulator.JobExecution done = awaitStatus(thing, "flash-1", "SUCCEEDED");
        assertEquals(null, progressError.get());
        assertTrue(connection.receivedOn("flash-1/update/rejected").stream()
                .anyMatch(s -> s.text().contains("VersionMismatch")), "a VersionMismatch was answered");
        // the write step made it after the refresh
        assertTrue(connection.publishedTo("flash-1/update").stream().filter(s -> s.text().contains("\"write\"")).count() >= 2);
        assertEquals("SUCCEEDED", done.status());
    }

    @Test
    void noHandlerMeansRejected() {
        String thing = unique("nohandler");
        Recorder recorder = new Recorder();
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing), recorder);
        jobs.addHandler("reboot", (execution, context) -> JobOutcome.succeeded());
        ready(jobs);
        emulator.createJob("unknown-1", "{\"operation\":\"format-disk\"}", thing);
        org.iotgateway.emulator.JobExecution e = awaitStatus(thing, "unknown-1", "REJECTED");
        assertEquals("no JobHandler for operation 'format-disk' is registered on this gateway", e.statusDetails().get("reason"));
        assertFalse(recorder.has("started", "unknown-1"), "no handler ran");
        assertEquals(null, e.startedAt(), "rejected without starting it");
    }

    @Test
    void handlerThatThrowsFailsTheJobWithItsMessage() {
        String thing = unique("throws");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        jobs.addHandler("install", (execution, context) -> {
            throw new IllegalStateException("disk full:\nonly 3 MB free");
        });
        ready(jobs);
        emulator.createJob("install-1", "{\"operation\":\"install\"}", thing);
        org.iotgateway.emulator.JobExecution e = awaitStatus(thing, "install-1", "FAILED");
        assertEquals("disk full: only 3 MB free", e.statusDetails().get("reason"));
        assertEquals("java.lang.IllegalStateException", e.statusDetails().get("exception"));
    }

    @Test
    void reportedFailureAndRejectionAreSent() {
        String thing = unique("outcomes");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        jobs.addHandler("fail", (execution, context) -> JobOutcome.failed("checksum mismatch", Map.of("file", "fw.bin")));
        jobs.addHandler("refuse", (execution, context) -> JobOutcome.rejected("battery too low"));
        ready(jobs);
        emulator.createJob("fail-1", "{\"operation\":\"fail\"}", thing);
        emulator.createJob("refuse-1", "{\"operation\":\"refuse\"}", thing);
        assertEquals(Map.of("file", "fw.bin", "reason", "checksum mismatch"),
                awaitStatus(thing, "fail-1", "FAILED").statusDetails());
        assertEquals(Map.of("reason", "battery too low"), awaitStatus(thing, "refuse-1", "REJECTED").statusDetails());
    }

    @Test
    void malformedDocumentsAreRejected() {
        String thing = unique("malformed");
        Recorder recorder = new Recorder();
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "handler.wait.ms", 10_000), recorder);
        jobs.addHandler(JobHandlerAny.INSTANCE, List.of("*"), List.of(), 0);
        ready(jobs);
        emulator.createJob("no-op-field", "{\"op\":\"reboot\"}", thing);
        emulator.createJob("number-op", "{\"operation\":42}", thing);
        emulator.createJob("empty-op", "{\"operation\":\"\"}", thing);
        assertEquals("malformed job document: the job document has no \"operation\" field",
                awaitStatus(thing, "no-op-field", "REJECTED").statusDetails().get("reason"));
        assertEquals("malformed job document: the \"operation\" field of the job document is not a non-empty string",
                awaitStatus(thing, "number-op", "REJECTED").statusDetails().get("reason"));
        awaitStatus(thing, "empty-op", "REJECTED");
        assertTrue(recorder.events.stream().noneMatch(e -> e.kind.equals("started")), "no handler ran: " + recorder.lines());
    }

    @Test
    void threeQueuedJobsRunStrictlyOneAfterAnotherInQueueOrder() {
        String thing = unique("queue");
        RecordingConnection connection = connect(thing);
        // queued before the jobs service exists: found on start
        emulator.createJob(thing + "-a", "{\"operation\":\"step\"}", thing);
        emulator.createJob(thing + "-b", "{\"operation\":\"step\"}", thing);
        emulator.createJob(thing + "-c", "{\"operation\":\"step\"}", thing);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        Recorder recorder = new Recorder();
        // registered just after the service started: handler.wait covers the race
        Jobs.Standalone auto = jobs(connection, settings(thing, "handler.wait.ms", 5000), recorder);
        auto.addHandler("step", (execution, context) -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            order.add(execution.jobId());
            Thread.sleep(150);
            running.decrementAndGet();
            return JobOutcome.succeeded();
        });
        // a fourth one arrives while the first runs
        Await.until("first started", WAIT, () -> order.size() >= 1);
        emulator.createJob(thing + "-d", "{\"operation\":\"step\"}", thing);
        awaitStatus(thing, thing + "-d", "SUCCEEDED");
        Await.until("the last answer", WAIT, () -> recorder.has("finished", thing + "-d"));
        assertEquals(List.of(thing + "-a", thing + "-b", thing + "-c", thing + "-d"), order);
        assertEquals(1, maxRunning.get());
        // each started only after the previous one's final status was accepted
        List<String> expected = new ArrayList<>();
        for (String s : List.of("a", "b", "c", "d")) {
            expected.add("started " + thing + "-" + s);
            expected.add("finished " + thing + "-" + s + " SUCCEEDED");
        }
        assertEquals(expected, recorder.lines());
    }

    @Test
    void handlerRegisteredAfterTheJobArrived() {
        String thing = unique("late");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "handler.wait.ms", 10_000));
        ready(jobs);
        emulator.createJob("late-1", "{\"operation\":\"late-op\"}", thing);
        assertStays(thing, "late-1", "QUEUED", Duration.ofMillis(500));
        jobs.addHandler("late-op", (execution, context) -> JobOutcome.succeeded(Map.of("by", "late handler")));
        assertEquals(Map.of("by", "late handler"), awaitStatus(thing, "late-1", "SUCCEEDED").statusDetails());
    }

    @Test
    void handlerThatNeverComesMeansRejectedAfterTheWait() {
        String thing = unique("never");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "handler.wait.ms", 400));
        ready(jobs);
        long t0 = System.nanoTime();
        emulator.createJob("never-1", "{\"operation\":\"nobody\"}", thing);
        emulator.createJob("never-2", "{\"operation\":\"nobody\"}", thing);
        awaitStatus(thing, "never-1", "REJECTED");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= 350, "waited " + waited + " ms");
        awaitStatus(thing, "never-2", "REJECTED");
    }

    @Test
    void handlerRankingAndThingRestriction() {
        String thing = unique("ranking");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        jobs.addHandler((e, c) -> JobOutcome.succeeded(Map.of("by", "low")), List.of("op"), List.of(), 0);
        jobs.addHandler((e, c) -> JobOutcome.succeeded(Map.of("by", "high")), List.of("op"), List.of(), 10);
        jobs.addHandler((e, c) -> JobOutcome.succeeded(Map.of("by", "other thing")), List.of("op"), List.of("someone-else"), 99);
        jobs.addHandler((e, c) -> JobOutcome.succeeded(Map.of("by", "any")), List.of("*"), List.of(), 0);
        ready(jobs);
        emulator.createJob(thing + "-1", "{\"operation\":\"op\"}", thing);
        emulator.createJob(thing + "-2", "{\"operation\":\"whatever\"}", thing);
        assertEquals("high", awaitStatus(thing, thing + "-1", "SUCCEEDED").statusDetails().get("by"));
        assertEquals("any", awaitStatus(thing, thing + "-2", "SUCCEEDED").statusDetails().get("by"));
    }

    private static Map<String, String> details(String thing, String jobId) {
        return execution(thing, jobId).map(org.iotgateway.emulator.JobExecution::statusDetails).orElse(Map.of());
    }

    /** A handler that must never run. */
    enum JobHandlerAny implements org.iotgateway.api.jobs.JobHandler {
        INSTANCE;

        @Override
        public JobOutcome execute(JobExecution execution, org.iotgateway.api.jobs.JobContext context) {
            return JobOutcome.succeeded(Map.of("by", "any"));
        }
    }
}
