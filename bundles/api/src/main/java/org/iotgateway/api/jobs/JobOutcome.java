package org.iotgateway.api.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link JobHandler} finished an execution: SUCCEEDED, FAILED or REJECTED, with the status
 * details the final update sets. A reason given to {@link #failed(String)} or
 * {@link #rejected(String)} is stored under the status detail {@value #REASON}; control characters
 * are replaced by spaces and it is cut to 1024 characters, as AWS IoT requires.
 */
public final class JobOutcome {

    /** The status detail that carries the reason of a failure or rejection: {@value}. */
    public static final String REASON = "reason";

    private static final JobOutcome SUCCEEDED = new JobOutcome(JobExecutionStatus.SUCCEEDED, Map.of());

    private final JobExecutionStatus status;
    private final Map<String, String> statusDetails;

    private JobOutcome(JobExecutionStatus status, Map<String, String> statusDetails) {
        this.status = status;
        this.statusDetails = statusDetails;
    }

    /** @return success without status details */
    public static JobOutcome succeeded() {
        return SUCCEEDED;
    }

    /**
     * @param statusDetails the final status details (keys {@code [a-zA-Z0-9:_-]{1,128}}, values 1 to 1024
     *                      characters without control characters)
     * @return success
     * @throws org.iotgateway.api.InvalidRequestException naming an invalid entry
     */
    public static JobOutcome succeeded(Map<String, String> statusDetails) {
        return new JobOutcome(JobExecutionStatus.SUCCEEDED, Values.checkedDetails(statusDetails));
    }

    /**
     * @param reason why it failed (stored as {@value #REASON})
     * @return failure
     */
    public static JobOutcome failed(String reason) {
        return failed(reason, Map.of());
    }

    /**
     * @param reason        why it failed (stored as {@value #REASON}, overriding an entry of the same name)
     * @param statusDetails further status details
     * @return failure
     * @throws org.iotgateway.api.InvalidRequestException naming an invalid entry
     */
    public static JobOutcome failed(String reason, Map<String, String> statusDetails) {
        return withReason(JobExecutionStatus.FAILED, reason, statusDetails);
    }

    /**
     * @param reason why the device refuses the job (stored as {@value #REASON})
     * @return rejection
     */
    public static JobOutcome rejected(String reason) {
        return rejected(reason, Map.of());
    }

    /**
     * @param reason        why the device refuses the job (stored as {@value #REASON}, overriding an entry of the same name)
     * @param statusDetails further status details
     * @return rejection
     * @throws org.iotgateway.api.InvalidRequestException naming an invalid entry
     */
    public static JobOutcome rejected(String reason, Map<String, String> statusDetails) {
        return withReason(JobExecutionStatus.REJECTED, reason, statusDetails);
    }

    private static JobOutcome withReason(JobExecutionStatus status, String reason, Map<String, String> details) {
        Map<String, String> all = new LinkedHashMap<>(Values.checkedDetails(details));
        all.put(REASON, Values.detailText(reason, status == JobExecutionStatus.FAILED ? "failed" : "rejected"));
        return new JobOutcome(status, Values.checkedDetails(all));
    }

    /** @return SUCCEEDED, FAILED or REJECTED */
    public JobExecutionStatus status() {
        return status;
    }

    /** @return the final status details (unmodifiable) */
    public Map<String, String> statusDetails() {
        return statusDetails;
    }

    /** @return the reason of a failure or rejection */
    public Optional<String> reason() {
        return Optional.ofNullable(statusDetails.get(REASON));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobOutcome && status == ((JobOutcome) o).status
                && statusDetails.equals(((JobOutcome) o).statusDetails);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, statusDetails);
    }

    @Override
    public String toString() {
        return "JobOutcome[" + status + (statusDetails.isEmpty() ? "" : ", " + statusDetails) + "]";
    }
}
