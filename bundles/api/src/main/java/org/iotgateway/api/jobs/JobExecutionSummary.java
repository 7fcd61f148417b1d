package org.iotgateway.api.jobs;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable summary of a pending job execution, as listed by {@link JobsService#listPending()}
 * and {@link PendingJobsListener} (notify).
 */
public final class JobExecutionSummary {

    private final String jobId;
    private final Instant queuedAt;
    private final Instant startedAt;
    private final Instant lastUpdatedAt;
    private final long versionNumber;
    private final long executionNumber;

    /**
     * @param jobId           the job id
     * @param queuedAt        when queued, or {@code null}
     * @param startedAt       when started, or {@code null}
     * @param lastUpdatedAt   when last changed, or {@code null}
     * @param versionNumber   the execution's version
     * @param executionNumber the execution number
     */
    public JobExecutionSummary(String jobId, Instant queuedAt, Instant startedAt, Instant lastUpdatedAt,
            long versionNumber, long executionNumber) {
        this.jobId = Objects.requireNonNull(jobId, "jobId");
        this.queuedAt = queuedAt;
        this.startedAt = startedAt;
        this.lastUpdatedAt = lastUpdatedAt;
        this.versionNumber = versionNumber;
        this.executionNumber = executionNumber;
    }

    /** @return the job id */
    public String jobId() {
        return jobId;
    }

    /** @return when queued, if the service said */
    public Optional<Instant> queuedAt() {
        return Optional.ofNullable(queuedAt);
    }

    /** @return when started, empty if not started */
    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    /** @return when last changed, if the service said */
    public Optional<Instant> lastUpdatedAt() {
        return Optional.ofNullable(lastUpdatedAt);
    }

    /** @return the execution's version */
    public long versionNumber() {
        return versionNumber;
    }

    /** @return the execution number */
    public long executionNumber() {
        return executionNumber;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JobExecutionSummary)) {
            return false;
        }
        JobExecutionSummary s = (JobExecutionSummary) o;
        return versionNumber == s.versionNumber && executionNumber == s.executionNumber && jobId.equals(s.jobId)
                && Objects.equals(queuedAt, s.queuedAt) && Objects.equals(startedAt, s.startedAt)
                && Objects.equals(lastUpdatedAt, s.lastUpdatedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jobId, versionNumber, executionNumber);
    }

    @Override
    public String toString() {
        return "JobExecutionSummary[" + jobId + " #" + executionNumber + ", version " + versionNumber + "]";
    }
}
