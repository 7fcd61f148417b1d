package org.iotgateway.jobs.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.jobs.JobCancelledException;
import org.iotgateway.api.jobs.JobContext;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobUpdate;

/**
 * One execution the engine works on: the handler's {@link JobContext}, and the engine's state of
 * it. Fields without {@code volatile} or a lock belong to the engine's thread.
 */
final class Execution implements JobContext {

    /** A progress report waiting to be sent or answered. */
    static final class Progress {
        final Map<String, String> details;
        final int stepTimeoutMinutes;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Progress(Map<String, String> details, int stepTimeoutMinutes) {
            this.details = details;
            this.stepTimeoutMinutes = stepTimeoutMinutes;
        }
    }

    private final JobsEngine engine;
    final JobExecution execution;
    /** {@code null} when the engine finishes the execution itself (no handler, malformed document). */
    final HandlerRegistry.Entry handler;
    final boolean resumed;

    // ---- engine thread
    long version;
    boolean handlerDone;
    JobOutcome outcome;
    Progress pending;
    Progress inFlight;
    boolean finalInFlight;
    int mismatches;
    int failures;
    boolean verifying;
    boolean verifyAgain;
    ScheduledFuture<?> retryTask;
    ScheduledFuture<?> cancelTimer;

    // ---- shared
    volatile boolean cancelled;
    volatile String cancelReason = "";
    private Thread thread;

    Execution(JobsEngine engine, JobExecution execution, HandlerRegistry.Entry handler, boolean resumed) {
        this.engine = engine;
        this.execution = execution;
        this.handler = handler;
        this.resumed = resumed;
        this.version = execution.versionNumber();
    }

    String jobId() {
        return execution.jobId();
    }

    long executionNumber() {
        return execution.executionNumber();
    }

    /** Runs the handler on the calling (worker) thread and reports back to the engine. */
    void runHandler() {
        Thread current = Thread.currentThread();
        String oldName = current.getName();
        synchronized (this) {
            if (cancelled) {
                engine.handlerReturned(this, null, null);
                return;
            }
            thread = current;
        }
        current.setName("iotgw-jobs-" + execution.thingName() + "-" + execution.jobId());
        JobOutcome result = null;
        Throwable error = null;
        try {
            result = handler.handler.execute(execution, this);
        } catch (Throwable t) { // NOPMD: any failure of a handler fails its job, nothing escapes to the pool
            error = t;
        } finally {
            synchronized (this) {
                thread = null;
                Thread.interrupted();
            }
            current.setName(oldName);
        }
        engine.handlerReturned(this, result, error);
    }

    /** Marks the execution cancelled and interrupts the handler's thread. */
    void cancel(String why) {
        cancelReason = why;
        cancelled = true;
        synchronized (this) {
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    JobCancelledException cancelledException() {
        return new JobCancelledException("job " + execution.jobId() + " on thing " + execution.thingName()
                + " is no longer being executed: " + cancelReason);
    }

    // ------------------------------------------------------------------ JobContext

    @Override
    public String thingName() {
        return execution.thingName();
    }

    @Override
    public boolean resumed() {
        return resumed;
    }

    @Override
    public boolean cancelled() {
        return cancelled;
    }

    @Override
    public void checkCancelled() {
        if (cancelled) {
            throw cancelledException();
        }
    }

    @Override
    public CompletionStage<Void> reportProgress(Map<String, String> statusDetails) {
        return progress(statusDetails, 0);
    }

    @Override
    public CompletionStage<Void> reportProgress(Map<String, String> statusDetails, int stepTimeoutMinutes) {
        if (stepTimeoutMinutes < 1 || stepTimeoutMinutes > JobUpdate.MAX_STEP_TIMEOUT_MINUTES) {
            throw new InvalidRequestException("stepTimeoutInMinutes " + stepTimeoutMinutes + " is out of range: use 1 to "
                    + JobUpdate.MAX_STEP_TIMEOUT_MINUTES);
        }
        return progress(statusDetails, stepTimeoutMinutes);
    }

    @Override
    public void reportProgressAndWait(Map<String, String> statusDetails) {
        engine.await(progress(statusDetails, 0), "progress report of job " + execution.jobId());
    }

    private CompletionStage<Void> progress(Map<String, String> statusDetails, int stepTimeoutMinutes) {
        // checks the details at once, in the caller's thread
        Map<String, String> details = JobUpdate.status(JobExecutionStatus.IN_PROGRESS).statusDetails(statusDetails).build()
                .statusDetails();
        Progress p = new Progress(details, stepTimeoutMinutes);
        if (cancelled) {
            p.future.completeExceptionally(cancelledException());
        } else {
            engine.submitProgress(this, p);
        }
        return engine.relay(p.future);
    }

    @Override
    public String toString() {
        return "Execution[" + execution.jobId() + " #" + execution.executionNumber() + " on " + execution.thingName()
                + (resumed ? ", resumed" : "") + "]";
    }
}
