package org.iotgateway.api.jobs;

import java.util.Map;
import java.util.Objects;

/**
 * The state of a job execution as the service returns it with an update
 * ({@code includeJobExecutionState}) or with a {@code VersionMismatch} or
 * {@code InvalidStateTransition} rejection.
 */
public final class JobExecutionState {

    private final JobExecutionStatus status;
    private final Map<String, String> statusDetails;
    private final long versionNumber;

    /**
     * @param status        the status
     * @param statusDetails the status details (copied; {@code null} for none)
     * @param versionNumber the current version
     */
    public JobExecutionState(JobExecutionStatus status, Map<String, String> statusDetails, long versionNumber) {
        this.status = Objects.requireNonNull(status, "status");
        this.statusDetails = Values.details(statusDetails);
        this.versionNumber = versionNumber;
    }

    /** @return the status */
    public JobExecutionStatus status() {
        return status;
    }

    /** @return the status details (unmodifiable, possibly empty) */
    public Map<String, String> statusDetails() {
        return statusDetails;
    }

    /** @return the current version: the {@code expectedVersion} of the next update */
    public long versionNumber() {
        return versionNumber;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JobExecutionState)) {
            return false;
        }
        JobExecutionState s = (JobExecutionState) o;
        return status == s.status && versionNumber == s.versionNumber && statusDetails.equals(s.statusDetails);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, statusDetails, versionNumber);
    }

    @Override
    public String toString() {
        return "JobExecutionState[" + status + ", version " + versionNumber
                + (statusDetails.isEmpty() ? "" : ", details " + statusDetails) + "]";
    }
}
