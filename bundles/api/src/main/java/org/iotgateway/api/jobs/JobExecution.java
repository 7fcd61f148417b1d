package org.iotgateway.api.jobs;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An immutable job execution: one job on one thing, as AWS IoT Jobs describes it (start-next,
 * describe, notify-next).
 */
public final class JobExecution {

    private final String jobId;
    private final String thingName;
    private final JobExecutionStatus status;
    private final Map<String, String> statusDetails;
    private final JobDocument jobDocument;
    private final Instant queuedAt;
    private final Instant startedAt;
    private final Instant lastUpdatedAt;
    private final long versionNumber;
    private final long executionNumber;
    private final Long approximateSecondsBeforeTimedOut;

    private JobExecution(Builder b) {
        this.jobId = Objects.requireNonNull(b.jobId, "jobId");
        this.thingName = Objects.requireNonNull(b.thingName, "thingName");
        this.status = Objects.requireNonNull(b.status, "status");
        this.statusDetails = Values.details(b.statusDetails);
        this.jobDocument = b.jobDocument;
        this.queuedAt = b.queuedAt;
        this.startedAt = b.startedAt;
        this.lastUpdatedAt = b.lastUpdatedAt;
        this.versionNumber = b.versionNumber;
        this.executionNumber = b.executionNumber;
        this.approximateSecondsBeforeTimedOut = b.approximateSecondsBeforeTimedOut;
    }

    /**
     * For implementations decoding an execution, and for tests.
     *
     * @param jobId     the job id
     * @param thingName the thing
     * @param status    the status
     * @return a builder
     */
    public static Builder builder(String jobId, String thingName, JobExecutionStatus status) {
        return new Builder(jobId, thingName, status);
    }

    /** @return the job id */
    public String jobId() {
        return jobId;
    }

    /** @return the thing the execution belongs to */
    public String thingName() {
        return thingName;
    }

    /** @return the status */
    public JobExecutionStatus status() {
        return status;
    }

    /** @return the status details last set (unmodifiable, possibly empty) */
    public Map<String, String> statusDetails() {
        return statusDetails;
    }

    /** @return the job document, empty if the request asked not to include it */
    public Optional<JobDocument> jobDocument() {
        return Optional.ofNullable(jobDocument);
    }

    /** @return when the execution was queued, if the service said */
    public Optional<Instant> queuedAt() {
        return Optional.ofNullable(queuedAt);
    }

    /** @return when the execution was started, empty if it never was */
    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    /** @return when the execution last changed, if the service said */
    public Optional<Instant> lastUpdatedAt() {
        return Optional.ofNullable(lastUpdatedAt);
    }

    /** @return the execution's version, incremented by the service on every change; the {@code expectedVersion} of updates */
    public long versionNumber() {
        return versionNumber;
    }

    /** @return the execution number (1 for the first execution of the job on this thing) */
    public long executionNumber() {
        return executionNumber;
    }

    /** @return seconds left on the step timer, if one is running */
    public OptionalLong approximateSecondsBeforeTimedOut() {
        return approximateSecondsBeforeTimedOut == null ? OptionalLong.empty()
                : OptionalLong.of(approximateSecondsBeforeTimedOut);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof JobExecution)) {
            return false;
        }
        JobExecution x = (JobExecution) o;
        return versionNumber == x.versionNumber && executionNumber == x.executionNumber && jobId.equals(x.jobId)
                && thingName.equals(x.thingName) && status == x.status && statusDetails.equals(x.statusDetails)
                && Objects.equals(jobDocument, x.jobDocument) && Objects.equals(queuedAt, x.queuedAt)
                && Objects.equals(startedAt, x.startedAt) && Objects.equals(lastUpdatedAt, x.lastUpdatedAt)
                && Objects.equals(approximateSecondsBeforeTimedOut, x.approximateSecondsBeforeTimedOut);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jobId, thingName, status, versionNumber, executionNumber);
    }

    @Override
    public String toString() {
        return "JobExecution[" + jobId + " #" + executionNumber + " on " + thingName + ": " + status + ", version "
                + versionNumber + (statusDetails.isEmpty() ? "" : ", details " + statusDetails) + "]";
    }

    /** Builds a {@link JobExecution}. */
    public static final class Builder {
        private final String jobId;
        private final String thingName;
        private final JobExecutionStatus status;
        private Map<String, String> statusDetails = Map.of();
        private JobDocument jobDocument;
        private Instant queuedAt;
        private Instant startedAt;
        private Instant lastUpdatedAt;
        private long versionNumber;
        private long executionNumber;
        private Long approximateSecondsBeforeTimedOut;

        private Builder(String jobId, String thingName, JobExecutionStatus status) {
            this.jobId = jobId;
            this.thingName = thingName;
            this.status = status;
        }

        /**
         * @param details the status details (copied)
         * @return this
         */
        public Builder statusDetails(Map<String, String> details) {
            this.statusDetails = details;
            return this;
        }

        /**
         * @param document the job document, or {@code null}
         * @return this
         */
        public Builder jobDocument(JobDocument document) {
            this.jobDocument = document;
            return this;
        }

        /**
         * @param at when queued, or {@code null}
         * @return this
         */
        public Builder queuedAt(Instant at) {
            this.queuedAt = at;
            return this;
        }

        /**
         * @param at when started, or {@code null}
         * @return this
         */
        public Builder startedAt(Instant at) {
            this.startedAt = at;
            return this;
        }

        /**
         * @param at when last updated, or {@code null}
         * @return this
         */
        public Builder lastUpdatedAt(Instant at) {
            this.lastUpdatedAt = at;
            return this;
        }

        /**
         * @param version the version number
         * @return this
         */
        public Builder versionNumber(long version) {
            this.versionNumber = version;
            return this;
        }

        /**
         * @param number the execution number
         * @return this
         */
        public Builder executionNumber(long number) {
            this.executionNumber = number;
            return this;
        }

        /**
         * @param seconds seconds left on the step timer, or {@code null}
         * @return this
         */
        public Builder approximateSecondsBeforeTimedOut(Long seconds) {
            this.approximateSecondsBeforeTimedOut = seconds;
            return this;
        }

        /** @return the execution */
        public JobExecution build() {
            return new JobExecution(this);
        }
    }
}
