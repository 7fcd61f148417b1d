package org.iotgateway.api.jobs;

import java.time.Instant;
import java.util.Optional;

/**
 * The service's answer to an accepted {@link JobUpdate}.
 */
public final class JobUpdateResult {

    private final JobExecutionState executionState;
    private final JobDocument jobDocument;
    private final Instant timestamp;

    /**
     * @param executionState the execution state, or {@code null} if not asked for
     * @param jobDocument    the job document, or {@code null} if not asked for
     * @param timestamp      when the service answered, or {@code null}
     */
    public JobUpdateResult(JobExecutionState executionState, JobDocument jobDocument, Instant timestamp) {
        this.executionState = executionState;
        this.jobDocument = jobDocument;
        this.timestamp = timestamp;
    }

    /** @return the execution state after the update, if {@code includeJobExecutionState} was set */
    public Optional<JobExecutionState> executionState() {
        return Optional.ofNullable(executionState);
    }

    /** @return the job document, if {@code includeJobDocument} was set */
    public Optional<JobDocument> jobDocument() {
        return Optional.ofNullable(jobDocument);
    }

    /** @return when the service answered ({@link Instant#EPOCH} if it did not say) */
    public Instant timestamp() {
        return timestamp == null ? Instant.EPOCH : timestamp;
    }

    @Override
    public String toString() {
        return "JobUpdateResult[" + (executionState == null ? "" : executionState) + "]";
    }
}
