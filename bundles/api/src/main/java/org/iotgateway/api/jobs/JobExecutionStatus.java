package org.iotgateway.api.jobs;

import org.iotgateway.api.InvalidRequestException;

/**
 * The status of a job execution, as AWS IoT Jobs reports it.
 */
public enum JobExecutionStatus {
    /** Waiting for the device to start it. */
    QUEUED,
    /** Started by the device (start-next or an update to IN_PROGRESS). */
    IN_PROGRESS,
    /** The device finished it successfully. Terminal. */
    SUCCEEDED,
    /** The device failed it. Terminal. */
    FAILED,
    /** The step timer expired before the device updated it. Terminal. */
    TIMED_OUT,
    /** The device rejected it (for example it cannot execute the operation). Terminal. */
    REJECTED,
    /** The thing was removed from the job's targets. Terminal. */
    REMOVED,
    /** The job or the execution was cancelled. Terminal. */
    CANCELED;

    /** @return whether no further change is possible (every status except QUEUED and IN_PROGRESS) */
    public boolean isTerminal() {
        return this != QUEUED && this != IN_PROGRESS;
    }

    /**
     * @return whether a device may set this status with an update: IN_PROGRESS, SUCCEEDED, FAILED or
     *         REJECTED
     */
    public boolean isDeviceSettable() {
        return this == IN_PROGRESS || this == SUCCEEDED || this == FAILED || this == REJECTED;
    }

    /**
     * @param name a status name as on the wire, e.g. {@code "IN_PROGRESS"}
     * @return the status
     * @throws InvalidRequestException for {@code null} or an unknown name
     */
    public static JobExecutionStatus of(String name) {
        if (name == null) {
            throw new InvalidRequestException("job execution status is null");
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("unknown job execution status '" + name + "'");
        }
    }
}
