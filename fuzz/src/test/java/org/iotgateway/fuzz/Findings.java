package org.iotgateway.fuzz;

/** Turns an unexpected exception of the code under test into a finding that names the contract it broke. */
public final class Findings {

    private Findings() {
    }

    /** @return an error carrying the cause, for an exception the parser's contract does not allow */
    public static AssertionError unexpected(String contract, Throwable cause) {
        return new AssertionError(contract + ", but threw " + cause, cause);
    }

    /** Fails with {@code message} unless {@code condition}. */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
