package org.iotgateway.api.jobs;

import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What a {@link JobHandler} gets besides the execution: progress reporting and cancellation.
 * <p>
 * <b>Progress.</b> {@link #reportProgress(Map)} sends an IN_PROGRESS update with the given status
 * details, with the execution's {@code expectedVersion}; on a {@code VersionMismatch} the version
 * is refreshed and the update sent again. Reports are sent one at a time, in order; a report made
 * while an earlier one is still waiting to be sent replaces it.
 * <p>
 * <b>Cancellation.</b> When the service no longer has the execution in progress (cancelled, timed
 * out, removed), or the jobs service stops, {@link #cancelled()} becomes true and the handler's
 * thread is interrupted. The handler should stop; whatever it returns is ignored and no further
 * update is sent for the execution.
 */
@ProviderType
public interface JobContext {

    /** @return the thing the execution belongs to */
    String thingName();

    /**
     * @return whether the execution was found IN_PROGRESS when the jobs service started or came back
     *         (gateway restart, component restart, handler re-registered) rather than started just now;
     *         only handlers whose {@link JobHandler#canResume(JobExecution)} said yes get such executions
     */
    boolean resumed();

    /** @return whether the handler should stop (see the class description) */
    boolean cancelled();

    /**
     * @throws JobCancelledException if {@link #cancelled()}; a convenient check inside loops
     */
    void checkCancelled();

    /**
     * Sends an IN_PROGRESS update with these status details.
     *
     * @param statusDetails status details (keys {@code [a-zA-Z0-9:_-]{1,128}}, values 1 to 1024 characters without
     *                      control characters)
     * @return completes once the service accepted the update; fails with {@link JobCancelledException} if the
     *         execution was cancelled, {@link JobsRejectedException} if the service refused it, or
     *         {@link org.iotgateway.api.OperationTimeoutException}
     * @throws org.iotgateway.api.InvalidRequestException at once, naming an invalid entry
     */
    CompletionStage<Void> reportProgress(Map<String, String> statusDetails);

    /**
     * Sends an IN_PROGRESS update with these status details and starts a new step timer.
     *
     * @param statusDetails      status details, as in {@link #reportProgress(Map)}
     * @param stepTimeoutMinutes the new step timer, 1 to {@value JobUpdate#MAX_STEP_TIMEOUT_MINUTES} minutes
     * @return as {@link #reportProgress(Map)}
     * @throws org.iotgateway.api.InvalidRequestException at once, for invalid details or timeout
     */
    CompletionStage<Void> reportProgress(Map<String, String> statusDetails, int stepTimeoutMinutes);

    /**
     * Reports progress and waits for the service's answer, at most the operation timeout.
     *
     * @param statusDetails status details, as in {@link #reportProgress(Map)}
     * @throws JobCancelledException                            if the execution was cancelled
     * @throws JobsRejectedException                            if the service refused it
     * @throws org.iotgateway.api.OperationTimeoutException     if there was no answer in time
     */
    void reportProgressAndWait(Map<String, String> statusDetails);
}
