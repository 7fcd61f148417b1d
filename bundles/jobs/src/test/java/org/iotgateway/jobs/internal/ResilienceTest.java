package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.iotgateway.api.jobs.JobCancelledException;
import org.iotgateway.api.jobs.JobContext;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.junit.jupiter.api.Test;

/** Cancellation, step timeouts, broker outages, reconnects and restarts in the middle of a job. */
class ResilienceTest extends EmulatorTestBase {

    /** A handler that reports progress, then blocks until released or interrupted. */
    static final class BlockingHandler implements JobHandler {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch returned = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();
        final AtomicBoolean sawCancelled = new AtomicBoolean();
        final AtomicReference<JobContext> context = new AtomicReference<>();
        final AtomicReference<JobExecution> execution = new AtomicReference<>();
        final boolean resumable;
        volatile Map<String, String> progress = Map.of("step", "1");

        BlockingHandler(boolean resumable) {
            this.resumable = resumable;
        }

        @Override
        public JobOutcome execute(JobExecution e, JobContext c) {
            execution.set(e);
            context.set(c);
            try {
                c.reportProgressAndWait(progress);
                started.countDown();
                if (!release.await(30, TimeUnit.SECONDS)) {
                    return JobOutcome.failed("test handler was never released");
                }
                return JobOutcome.succeeded(Map.of("resumed", String.valueOf(c.resumed())));
            } catch (InterruptedException ie) {
                interrupted.set(true);
                sawCancelled.set(c.cancelled());
                // whatever a cancelled handler returns is ignored
                return JobOutcome.succeeded(Map.of("ignored", "yes"));
            } finally {
                returned.countDown();
            }
        }

        @Override
        public boolean canResume(JobExecution e) {
            return resumable;
        }
    }

    @Test
    void cancellationMidRunStopsTheHandlerAndSendsNothingMore() throws Exception {
        String thing = unique("cancel");
        RecordingConnection connection = connect(thing);
        Recorder recorder = new Recorder();
        Jobs.Standalone jobs = jobs(connection, settings(thing), recorder);
        BlockingHandler handler = new BlockingHandler(false);
        jobs.addHandler("long", handler);
        jobs.addHandler("short", (e, c) -> JobOutcome.succeeded());
        ready(jobs);
        emulator.createJob(thing + "-long-1", "{\"operation\":\"long\"}", thing);
        emulator.createJob(thing + "-short-1", "{\"operation\":\"short\"}", thing);
        assertTrue(handler.started.await(10, TimeUnit.SECONDS));
        assertEquals("QUEUED", status(thing, thing + "-short-1"), "the second job waits for the first");

        assertTrue(emulator.cancelJobExecution(thing, thing + "-long-1", true));
        long cancelledAt = System.nanoTime();

        assertTrue(handler.returned.await(10, TimeUnit.SECONDS), "handler told to stop");
        assertTrue(handler.interrupted.get(), "handler interrupted");
        assertTrue(handler.sawCancelled.get(), "context says cancelled");
        // the next job runs after the cancelled one's handler returned
        awaitStatus(thing, thing + "-short-1", "SUCCEEDED");
        assertEquals("CANCELED", status(thing, thing + "-long-1"));
        assertTrue(connection.publishedTo(thing + "-long-1/update").stream().noneMatch(s -> s.nanos > cancelledAt),
                "no update for the cancelled job: " + connection.publishedTo(thing + "-long-1/update"));
        assertTrue(recorder.has("stopped", thing + "-long-1"));
        // progress after cancellation fails at once
        CompletableFuture<Void> late = handler.context.get().reportProgress(Map.of("step", "2")).toCompletableFuture();
        Throwable error = late.handle((v, t) -> t).get(5, TimeUnit.SECONDS);
        assertInstanceOf(JobCancelledException.class, JobsEngine.unwrap(error));
    }

    @Test
    void expiredStepTimeoutStopsTheHandlerWhenTheServiceSaysSo() throws Exception {
        String thing = unique("steptimeout");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone jobs = jobs(connection, settings(thing, "step.timeout", 2));
        BlockingHandler handler = new BlockingHandler(false);
        jobs.addHandler("slow", handler);
        ready(jobs);
        emulator.createJob(thing + "-slow-1", "{\"operation\":\"slow\"}", thing);
        assertTrue(handler.started.await(10, TimeUnit.SECONDS));
        org.iotgateway.emulator.JobExecution running = execution(thing, thing + "-slow-1").orElseThrow();
        assertEquals("IN_PROGRESS", running.status());

        // nothing happens locally: only the service's verdict counts
        clock.advance(Duration.ofMinutes(1));
        emulator.checkTimeouts();
        assertFalse(handler.returned.await(300, TimeUnit.MILLISECONDS));
        clock.advance(Duration.ofMinutes(2));
        assertEquals(1, emulator.checkTimeouts());
        long expiredAt = System.nanoTime();

        assertTrue(handler.returned.await(10, TimeUnit.SECONDS), "handler told to stop");
        assertTrue(handler.interrupted.get());
        Await.sleep(200);
        assertEquals("TIMED_OUT", status(thing, thing + "-slow-1"));
        assertTrue(connection.publishedTo(thing + "-slow-1/update").stream().noneMatch(s -> s.nanos > expiredAt));
    }

    @Test
    void brokerOutageMidJob() throws Exception {
        String thing = unique("outage");
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        BlockingHandler handler = new BlockingHandler(false);
        jobs.addHandler("update", handler);
        ready(jobs);
        emulator.createJob(thing + "-update-1", "{\"operation\":\"update\"}", thing);
        assertTrue(handler.started.await(10, TimeUnit.SECONDS));

        stopBroker();
        // progress and the result while the broker is away
        CompletableFuture<Void> progress = handler.context.get().reportProgress(Map.of("step", "offline"))
                .toCompletableFuture();
        handler.release.countDown();
        assertTrue(handler.returned.await(5, TimeUnit.SECONDS));
        Await.sleep(300);
        assertEquals("IN_PROGRESS", status(thing, thing + "-update-1"));
        startBroker();

        org.iotgateway.emulator.JobExecution done = awaitStatus(thing, thing + "-update-1", "SUCCEEDED");
        assertEquals(Map.of("resumed", "false"), done.statusDetails());
        assertTrue(progress.handle((v, t) -> true).get(5, TimeUnit.SECONDS));
        assertFalse(handler.interrupted.get());
    }

    @Test
    void reconnectWhileRunningKeepsTheHandlerGoing() throws Exception {
        String thing = unique("reconnect");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone jobs = jobs(connection, settings(thing));
        BlockingHandler handler = new BlockingHandler(true);
        jobs.addHandler("update", handler);
        ready(jobs);
        emulator.createJob(thing + "-update-1", "{\"operation\":\"update\"}", thing);
        assertTrue(handler.started.await(10, TimeUnit.SECONDS));
        int describesBefore = connection.publishedTo(thing + "-update-1/get").size();

        assertTrue(disconnectClient(connection.clientId()));
        Await.until("described again after the reconnect", WAIT,
                () -> connection.publishedTo(thing + "-update-1/get").size() > describesBefore);
        Await.sleep(200);
        assertFalse(handler.interrupted.get(), "the handler keeps running");
        handler.release.countDown();
        assertEquals(Map.of("resumed", "false"), awaitStatus(thing, thing + "-update-1", "SUCCEEDED").statusDetails());
    }

    @Test
    void jobCancelledWhileDisconnectedIsStoppedAfterTheReconnect() throws Exception {
        String thing = unique("cancel-offline");
        RecordingConnection connection = connect(thing);
        Jobs.Standalone jobs = jobs(connection, settings(thing));
        BlockingHandler handler = new BlockingHandler(false);
        jobs.addHandler("update", handler);
        ready(jobs);
        emulator.createJob(thing + "-update-1", "{\"operation\":\"update\"}", thing);
        assertTrue(handler.started.await(10, TimeUnit.SECONDS));

        stopBroker();
        emulator.cancelJobExecution(thing, thing + "-update-1", true);
        Await.sleep(200);
        startBroker();
        assertTrue(handler.returned.await(10, TimeUnit.SECONDS));
        assertTrue(handler.interrupted.get());
        Await.sleep(200);
        assertEquals("CANCELED", status(thing, thing + "-update-1"));
    }

    @Test
    void gatewayRestartResumesAnInProgressExecutionWithAHandlerThatCan() throws Exception {
        String thing = unique("restart");
        RecordingConnection first = connect(thing + "-a");
        Jobs.Standalone before = Jobs.open(first, settings(thing));
        BlockingHandler old = new BlockingHandler(true);
        old.progress = Map.of("step", "2", "of", "3");
        before.addHandler("firmware", old);
        ready(before);
        emulator.createJob(thing + "-fw-1", "{\"operation\":\"firmware\",\"url\":\"https://example.com/fw.bin\"}", thing);
        assertTrue(old.started.await(10, TimeUnit.SECONDS));

        // the gateway goes down: the handler is interrupted, nothing is reported
        before.close();
        assertTrue(old.returned.await(5, TimeUnit.SECONDS));
        assertTrue(old.interrupted.get());
        Await.sleep(200);
        assertEquals("IN_PROGRESS", status(thing, thing + "-fw-1"));

        // ... and comes back
        Recorder recorder = new Recorder();
        Jobs.Standalone after = jobs(connect(thing + "-b"), settings(thing, "handler.wait.ms", 5000), recorder);
        BlockingHandler fresh = new BlockingHandler(true);
        fresh.release.countDown();
        after.addHandler("firmware", fresh);
        org.iotgateway.emulator.JobExecution done = awaitStatus(thing, thing + "-fw-1", "SUCCEEDED");
        assertEquals(Map.of("resumed", "true"), done.statusDetails());
        JobExecution resumed = fresh.execution.get();
        assertEquals(Map.of("step", "2", "of", "3"), resumed.statusDetails(), "the handler sees how far it got");
        assertEquals("https://example.com/fw.bin", resumed.jobDocument().orElseThrow().content().get("url"));
        Await.until("observer", WAIT, () -> recorder.has("finished", thing + "-fw-1"));
        assertTrue(recorder.has("resumed", thing + "-fw-1"));
    }

    @Test
    void gatewayRestartFailsAnInProgressExecutionNoHandlerCanResume() throws Exception {
        String thing = unique("restart-fail");
        RecordingConnection first = connect(thing + "-a");
        Jobs.Standalone before = Jobs.open(first, settings(thing));
        BlockingHandler old = new BlockingHandler(false);
        before.addHandler("firmware", old);
        before.addHandler("other", (e, c) -> JobOutcome.succeeded());
        ready(before);
        emulator.createJob(thing + "-fw-1", "{\"operation\":\"firmware\"}", thing);
        emulator.createJob(thing + "-other-1", "{\"operation\":\"other\"}", thing);
        assertTrue(old.started.await(10, TimeUnit.SECONDS));
        before.close();

        Jobs.Standalone after = jobs(connect(thing + "-b"), settings(thing, "handler.wait.ms", 5000));
        BlockingHandler cannot = new BlockingHandler(false);
        after.addHandler("firmware", cannot);
        after.addHandler("other", (e, c) -> JobOutcome.succeeded());
        org.iotgateway.emulator.JobExecution failed = awaitStatus(thing, thing + "-fw-1", "FAILED");
        assertEquals("the execution was interrupted (gateway or jobs service restart) and the JobHandler for operation "
                + "'firmware' cannot resume it", failed.statusDetails().get("reason"));
        assertEquals(0, cannot.started.getCount() == 0 ? 1 : 0, "the handler was not called");
        awaitStatus(thing, thing + "-other-1", "SUCCEEDED");
    }

    @Test
    void gatewayRestartWithoutAnyHandlerFailsTheExecutionAfterTheWait() throws Exception {
        String thing = unique("restart-none");
        Jobs.Standalone before = Jobs.open(connect(thing + "-a"), settings(thing));
        BlockingHandler old = new BlockingHandler(true);
        before.addHandler("firmware", old);
        ready(before);
        emulator.createJob(thing + "-fw-1", "{\"operation\":\"firmware\"}", thing);
        assertTrue(old.started.await(10, TimeUnit.SECONDS));
        before.close();

        jobs(connect(thing + "-b"), settings(thing, "handler.wait.ms", 300));
        org.iotgateway.emulator.JobExecution failed = awaitStatus(thing, thing + "-fw-1", "FAILED");
        assertEquals("the execution was interrupted (gateway or jobs service restart) and no JobHandler for operation "
                + "'firmware' is registered to resume it", failed.statusDetails().get("reason"));
    }

    @Test
    void handlerUnregisteredWhileRunningLeavesTheJobForOneThatCanResume() throws Exception {
        String thing = unique("unregister");
        Recorder recorder = new Recorder();
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing, "handler.wait.ms", 5000), recorder);
        BlockingHandler v1 = new BlockingHandler(true);
        Jobs.HandlerRegistration registration = jobs.addHandler("app-update", v1);
        ready(jobs);
        emulator.createJob(thing + "-app-1", "{\"operation\":\"app-update\"}", thing);
        assertTrue(v1.started.await(10, TimeUnit.SECONDS));

        registration.close();
        assertTrue(v1.returned.await(5, TimeUnit.SECONDS));
        assertTrue(v1.interrupted.get());
        assertStays(thing, thing + "-app-1", "IN_PROGRESS", Duration.ofMillis(300));

        BlockingHandler v2 = new BlockingHandler(true);
        v2.release.countDown();
        jobs.addHandler("app-update", v2);
        assertEquals(Map.of("resumed", "true"), awaitStatus(thing, thing + "-app-1", "SUCCEEDED").statusDetails());
        String job = thing + "-app-1";
        Await.until("the answer", WAIT, () -> recorder.has("finished", job));
        assertEquals(List.of("started " + job, "stopped " + job + " its JobHandler was unregistered", "resumed " + job,
                "finished " + job + " SUCCEEDED"), recorder.lines());
    }
}
