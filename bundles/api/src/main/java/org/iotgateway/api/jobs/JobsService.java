package org.iotgateway.api.jobs;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * AWS IoT Jobs for one thing over an {@link org.iotgateway.api.IoTConnection}, registered as an
 * OSGi service once per configuration.
 * <p>
 * <b>Requests.</b> Every request is asynchronous: the returned stage completes with the service's
 * {@code accepted} answer (matched by client token), or fails with {@link JobsRejectedException}
 * (the service's error code and, where sent, the execution state),
 * {@link org.iotgateway.api.OperationTimeoutException} after the configured operation timeout, or
 * another {@link org.iotgateway.api.IoTException} (for example not connected and no offline
 * queue). Stages complete on a thread of the jobs service, never the MQTT client's. The
 * {@code ...AndWait} variants block for at most the operation timeout and throw the same
 * exceptions. Invalid arguments throw {@link org.iotgateway.api.InvalidRequestException} at once,
 * before anything is sent.
 * <p>
 * <b>Automatic execution.</b> When switched on in the configuration, the service executes the
 * thing's jobs itself with the registered {@link JobHandler} services, one at a time in queue
 * order. Requests made through this interface at the same time are possible but compete with it.
 * <p>
 * Service properties: {@value #THING_NAME}, {@value #CONNECTION_ID}, {@value #AUTO_EXECUTE}.
 */
@ProviderType
public interface JobsService {

    /** Service property: the thing whose jobs this service handles. */
    String THING_NAME = "thing.name";
    /** Service property: the {@code connection.id} of the connection in use. */
    String CONNECTION_ID = "connection.id";
    /** Service property: whether jobs are executed automatically with the JobHandler services (Boolean). */
    String AUTO_EXECUTE = "auto.execute";

    /** The job id that stands for the thing's next pending execution in {@link #describe(String, long, boolean)}. */
    String NEXT = "$next";

    /** @return the thing name */
    String thingName();

    /**
     * Lists the pending executions ({@code get}).
     *
     * @return the IN_PROGRESS and QUEUED executions
     */
    CompletionStage<PendingJobs> listPending();

    /** @return as {@link #listPending()}, waiting at most the operation timeout */
    PendingJobs listPendingAndWait();

    /**
     * Starts the next pending execution ({@code start-next}) without status details, with the configured
     * default step timeout. See {@link #startNext(Map, int)}.
     *
     * @return the execution, now IN_PROGRESS; empty if nothing is pending
     */
    CompletionStage<Optional<JobExecution>> startNext();

    /**
     * Starts the next pending execution ({@code start-next}): the service returns the IN_PROGRESS
     * execution if there is one, else moves the oldest QUEUED one to IN_PROGRESS.
     *
     * @param statusDetails      status details to set (may be empty)
     * @param stepTimeoutMinutes step timer in minutes, 1 to {@value JobUpdate#MAX_STEP_TIMEOUT_MINUTES}; 0 for none
     * @return the execution with its job document; empty if nothing is pending
     * @throws org.iotgateway.api.InvalidRequestException at once, for invalid details or step timeout
     */
    CompletionStage<Optional<JobExecution>> startNext(Map<String, String> statusDetails, int stepTimeoutMinutes);

    /**
     * @param statusDetails      as in {@link #startNext(Map, int)}
     * @param stepTimeoutMinutes as in {@link #startNext(Map, int)}
     * @return as {@link #startNext(Map, int)}, waiting at most the operation timeout
     */
    Optional<JobExecution> startNextAndWait(Map<String, String> statusDetails, int stepTimeoutMinutes);

    /**
     * Describes an execution ({@code {jobId}/get}).
     *
     * @param jobId              a job id, or {@link #NEXT} for the thing's next pending execution
     * @param executionNumber    the execution number, or 0 for the latest
     * @param includeJobDocument whether to include the job document
     * @return the execution; empty only for {@link #NEXT} when nothing is pending. Fails with
     *         {@link JobsRejectedException} ({@code ResourceNotFound}, {@code TerminalStateReached}, ...)
     * @throws org.iotgateway.api.InvalidRequestException at once, for an invalid job id or execution number
     */
    CompletionStage<Optional<JobExecution>> describe(String jobId, long executionNumber, boolean includeJobDocument);

    /**
     * @param jobId a job id, or {@link #NEXT}
     * @return as {@link #describe(String, long, boolean)} for the latest execution, with the job document
     */
    default CompletionStage<Optional<JobExecution>> describe(String jobId) {
        return describe(jobId, 0, true);
    }

    /**
     * @param jobId              as in {@link #describe(String, long, boolean)}
     * @param executionNumber    as in {@link #describe(String, long, boolean)}
     * @param includeJobDocument as in {@link #describe(String, long, boolean)}
     * @return as {@link #describe(String, long, boolean)}, waiting at most the operation timeout
     */
    Optional<JobExecution> describeAndWait(String jobId, long executionNumber, boolean includeJobDocument);

    /**
     * Updates an execution ({@code {jobId}/update}).
     *
     * @param jobId  the job id
     * @param update the status and options
     * @return the service's answer; fails with {@link JobsRejectedException} ({@code VersionMismatch} and
     *         {@code InvalidStateTransition} carry the execution state)
     * @throws org.iotgateway.api.InvalidRequestException at once, for an invalid job id or a {@code null} update
     */
    CompletionStage<JobUpdateResult> update(String jobId, JobUpdate update);

    /**
     * @param jobId  as in {@link #update(String, JobUpdate)}
     * @param update as in {@link #update(String, JobUpdate)}
     * @return as {@link #update(String, JobUpdate)}, waiting at most the operation timeout
     */
    JobUpdateResult updateAndWait(String jobId, JobUpdate update);

    /** @param listener receives every later {@code notify} of the thing */
    void addPendingJobsListener(PendingJobsListener listener);

    /** @param listener a listener added before; no effect otherwise */
    void removePendingJobsListener(PendingJobsListener listener);

    /** @param listener receives every later {@code notify-next} of the thing */
    void addNextJobListener(NextJobListener listener);

    /** @param listener a listener added before; no effect otherwise */
    void removeNextJobListener(NextJobListener listener);
}
