package org.iotgateway.api.jobs;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.iotgateway.api.InvalidRequestException;

/**
 * An immutable update request for a job execution ({@link JobsService#update(String, JobUpdate)}).
 *
 * <pre>{@code
 * JobUpdate u = JobUpdate.status(JobExecutionStatus.IN_PROGRESS)
 *         .statusDetails(Map.of("step", "download"))
 *         .expectedVersion(execution.versionNumber())
 *         .includeJobExecutionState(true)
 *         .build();
 * }</pre>
 */
public final class JobUpdate {

    /** The longest step timeout AWS IoT accepts, in minutes (7 days). */
    public static final int MAX_STEP_TIMEOUT_MINUTES = 10080;

    private final JobExecutionStatus status;
    private final Map<String, String> statusDetails;
    private final Long expectedVersion;
    private final Long executionNumber;
    private final boolean includeJobExecutionState;
    private final boolean includeJobDocument;
    private final Integer stepTimeoutMinutes;

    private JobUpdate(Builder b) {
        this.status = b.status;
        this.statusDetails = b.statusDetails;
        this.expectedVersion = b.expectedVersion;
        this.executionNumber = b.executionNumber;
        this.includeJobExecutionState = b.includeJobExecutionState;
        this.includeJobDocument = b.includeJobDocument;
        this.stepTimeoutMinutes = b.stepTimeoutMinutes;
    }

    /**
     * @param status the new status: IN_PROGRESS, SUCCEEDED, FAILED or REJECTED
     * @return a builder
     * @throws InvalidRequestException for {@code null} or a status a device cannot set
     */
    public static Builder status(JobExecutionStatus status) {
        if (status == null) {
            throw new InvalidRequestException("status of a job update is null");
        }
        if (!status.isDeviceSettable()) {
            throw new InvalidRequestException("a device cannot set the status " + status
                    + "; use IN_PROGRESS, SUCCEEDED, FAILED or REJECTED");
        }
        return new Builder(status);
    }

    /** @return the new status */
    public JobExecutionStatus status() {
        return status;
    }

    /** @return the status details to set; empty means "leave them as they are" */
    public Map<String, String> statusDetails() {
        return statusDetails;
    }

    /** @return the version the execution must have for the update to apply */
    public OptionalLong expectedVersion() {
        return expectedVersion == null ? OptionalLong.empty() : OptionalLong.of(expectedVersion);
    }

    /** @return the execution number to update (default: the latest) */
    public OptionalLong executionNumber() {
        return executionNumber == null ? OptionalLong.empty() : OptionalLong.of(executionNumber);
    }

    /** @return whether the answer includes the execution state */
    public boolean includeJobExecutionState() {
        return includeJobExecutionState;
    }

    /** @return whether the answer includes the job document */
    public boolean includeJobDocument() {
        return includeJobDocument;
    }

    /** @return a new step timeout in minutes, starting now */
    public OptionalInt stepTimeoutMinutes() {
        return stepTimeoutMinutes == null ? OptionalInt.empty() : OptionalInt.of(stepTimeoutMinutes);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JobUpdate)) {
            return false;
        }
        JobUpdate u = (JobUpdate) o;
        return status == u.status && statusDetails.equals(u.statusDetails) && Objects.equals(expectedVersion, u.expectedVersion)
                && Objects.equals(executionNumber, u.executionNumber) && includeJobExecutionState == u.includeJobExecutionState
                && includeJobDocument == u.includeJobDocument && Objects.equals(stepTimeoutMinutes, u.stepTimeoutMinutes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, statusDetails, expectedVersion, executionNumber, stepTimeoutMinutes);
    }

    @Override
    public String toString() {
        return "JobUpdate[" + status + (statusDetails.isEmpty() ? "" : ", details " + statusDetails)
                + (expectedVersion == null ? "" : ", expectedVersion " + expectedVersion)
                + (executionNumber == null ? "" : ", executionNumber " + executionNumber)
                + (stepTimeoutMinutes == null ? "" : ", stepTimeout " + stepTimeoutMinutes + " min") + "]";
    }

    /** Builds a {@link JobUpdate}; every setter checks its argument at once. */
    public static final class Builder {
        private final JobExecutionStatus status;
        private Map<String, String> statusDetails = Map.of();
        private Long expectedVersion;
        private Long executionNumber;
        private boolean includeJobExecutionState;
        private boolean includeJobDocument;
        private Integer stepTimeoutMinutes;

        private Builder(JobExecutionStatus status) {
            this.status = status;
        }

        /**
         * @param details status details: keys of 1 to 128 characters {@code [a-zA-Z0-9:_-]}, values of 1 to 1024
         *                characters without control characters (copied)
         * @return this
         * @throws InvalidRequestException naming the offending entry
         */
        public Builder statusDetails(Map<String, String> details) {
            this.statusDetails = Values.checkedDetails(details);
            return this;
        }

        /**
         * @param version the version the execution must have (optimistic locking)
         * @return this
         * @throws InvalidRequestException if negative
         */
        public Builder expectedVersion(long version) {
            if (version < 0) {
                throw new InvalidRequestException("expectedVersion " + version + " is negative");
            }
            this.expectedVersion = version;
            return this;
        }

        /**
         * @param number the execution number to update
         * @return this
         * @throws InvalidRequestException if not positive
         */
        public Builder executionNumber(long number) {
            if (number < 1) {
                throw new InvalidRequestException("executionNumber " + number + " must be at least 1");
            }
            this.executionNumber = number;
            return this;
        }

        /**
         * @param include whether the answer includes the execution state
         * @return this
         */
        public Builder includeJobExecutionState(boolean include) {
            this.includeJobExecutionState = include;
            return this;
        }

        /**
         * @param include whether the answer includes the job document
         * @return this
         */
        public Builder includeJobDocument(boolean include) {
            this.includeJobDocument = include;
            return this;
        }

        /**
         * @param minutes a new step timer, 1 to {@value JobUpdate#MAX_STEP_TIMEOUT_MINUTES} minutes, for an
         *                IN_PROGRESS update
         * @return this
         * @throws InvalidRequestException if out of range
         */
        public Builder stepTimeoutMinutes(int minutes) {
            if (minutes < 1 || minutes > MAX_STEP_TIMEOUT_MINUTES) {
                throw new InvalidRequestException("stepTimeoutInMinutes " + minutes + " is out of range: use 1 to "
                        + MAX_STEP_TIMEOUT_MINUTES);
            }
            this.stepTimeoutMinutes = minutes;
            return this;
        }

        /** @return the update */
        public JobUpdate build() {
            return new JobUpdate(this);
        }
    }
}
