package org.iotgateway.api.discovery;

/**
 * The discovery endpoint answered, but the answer cannot be used; {@link #problem()} says why. Nothing of such an
 * answer is used.
 */
public class DiscoveryResponseException extends DiscoveryException {

    private static final long serialVersionUID = 1L;

    /** What is wrong with the answer. */
    public enum Problem {
        /** The HTTP response itself is broken (status line, headers, chunk sizes). */
        MALFORMED_HTTP,
        /** The body is not valid JSON. */
        MALFORMED_JSON,
        /** The body ended early: the connection closed before the announced length, or the JSON is incomplete. */
        TRUNCATED,
        /** The body is larger than the configured limit; it was not read further. */
        TOO_LARGE,
        /** Valid JSON, but not a discovery document (for example a connectivity entry without host or port). */
        INVALID_CONTENT
    }

    private final Problem problem;

    /**
     * @param problem   what is wrong
     * @param message   the details, naming the thing and the endpoint
     * @param thingName the thing discovery ran for
     * @param cause     the underlying cause, or {@code null}
     */
    public DiscoveryResponseException(Problem problem, String message, String thingName, Throwable cause) {
        super(message, thingName, cause);
        this.problem = problem;
    }

    /** @return what is wrong with the answer */
    public Problem problem() {
        return problem;
    }
}
