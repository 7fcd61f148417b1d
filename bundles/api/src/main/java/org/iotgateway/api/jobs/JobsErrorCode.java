package org.iotgateway.api.jobs;

/**
 * The error codes AWS IoT Jobs answers on a {@code .../rejected} topic.
 */
public enum JobsErrorCode {
    /** The request was sent to a topic of the Jobs namespace that does not map to an API. */
    INVALID_TOPIC("InvalidTopic"),
    /** The request body is not valid JSON. */
    INVALID_JSON("InvalidJson"),
    /** The request is invalid (for example a bad field value or an oversized payload). */
    INVALID_REQUEST("InvalidRequest"),
    /** The update would move the execution to a status it cannot reach from its current one. */
    INVALID_STATE_TRANSITION("InvalidStateTransition"),
    /** The job or job execution does not exist. */
    RESOURCE_NOT_FOUND("ResourceNotFound"),
    /** The expected version does not match the execution's current version. */
    VERSION_MISMATCH("VersionMismatch"),
    /** The service failed to process the request. */
    INTERNAL_ERROR("InternalError"),
    /** The request was throttled; retry later. */
    REQUEST_THROTTLED("RequestThrottled"),
    /** The job execution is already in a terminal status. */
    TERMINAL_STATE_REACHED("TerminalStateReached"),
    /** A code this version of the API does not know; see {@link JobsRejectedException#code()}. */
    UNKNOWN("Unknown");

    private final String code;

    JobsErrorCode(String code) {
        this.code = code;
    }

    /** @return the code as the service sends it, e.g. {@code "VersionMismatch"} */
    public String code() {
        return code;
    }

    /**
     * @param code a code as the service sends it
     * @return the matching constant, {@link #UNKNOWN} for an unknown or {@code null} code
     */
    public static JobsErrorCode of(String code) {
        for (JobsErrorCode c : values()) {
            if (c != UNKNOWN && c.code.equals(code)) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
