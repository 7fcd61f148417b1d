package org.iotgateway.api.jobs;

import java.util.Optional;

import org.iotgateway.api.IoTException;

/**
 * AWS IoT Jobs rejected a request: the message of its {@code .../rejected} answer, its error code
 * and, for {@code VersionMismatch} and {@code InvalidStateTransition}, the execution's current state.
 */
public class JobsRejectedException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** The error code as the service sent it. */
    private final String code;
    /** The service's message. */
    private final String serviceMessage;
    private final transient JobExecutionState executionState;

    /**
     * @param request        what was asked, e.g. {@code "update of job firmware-42 on thing gw-1"}
     * @param code           the error code as the service sent it
     * @param serviceMessage the service's message, or {@code null}
     * @param executionState the execution state sent with the rejection, or {@code null}
     */
    public JobsRejectedException(String request, String code, String serviceMessage, JobExecutionState executionState) {
        super(request + " rejected: " + code + (serviceMessage == null || serviceMessage.isEmpty() ? "" : ": " + serviceMessage)
                + (executionState == null ? "" : " (execution is " + executionState.status() + ", version "
                        + executionState.versionNumber() + ")"));
        this.code = code == null ? "" : code;
        this.serviceMessage = serviceMessage == null ? "" : serviceMessage;
        this.executionState = executionState;
    }

    /** @return the error code, {@link JobsErrorCode#UNKNOWN} for a code this API does not know */
    public JobsErrorCode errorCode() {
        return JobsErrorCode.of(code);
    }

    /** @return the error code exactly as the service sent it, e.g. {@code "VersionMismatch"} */
    public String code() {
        return code;
    }

    /** @return the service's message (possibly empty) */
    public String serviceMessage() {
        return serviceMessage;
    }

    /** @return the execution's current state, when the service sent it (VersionMismatch, InvalidStateTransition) */
    public Optional<JobExecutionState> executionState() {
        return Optional.ofNullable(executionState);
    }
}
