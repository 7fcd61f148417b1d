package org.iotgateway.emulator;

import java.util.Map;

/**
 * A snapshot of one job execution as the emulator holds it.
 *
 * @param jobId           the job id
 * @param thingName       the thing the execution belongs to
 * @param status          QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED or CANCELED
 * @param statusDetails   the status details last set
 * @param jobDocument     the job document (JSON text)
 * @param queuedAt        epoch seconds
 * @param startedAt       epoch seconds, or null when never started
 * @param lastUpdatedAt   epoch seconds
 * @param versionNumber   the execution's version, 1 when queued, incremented on every change
 * @param executionNumber the execution number (1 for the first execution of the job on the thing)
 */
public record JobExecution(String jobId, String thingName, String status, Map<String, String> statusDetails,
        String jobDocument, long queuedAt, Long startedAt, long lastUpdatedAt, long versionNumber,
        long executionNumber) {
    public JobExecution {
        statusDetails = Map.copyOf(statusDetails);
    }

    /** True for SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED and CANCELED. */
    public boolean isTerminal() {
        return !"QUEUED".equals(status) && !"IN_PROGRESS".equals(status);
    }
}
