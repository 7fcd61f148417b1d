package org.iotgateway.fuzz;

/** The fuzzing time per target, from the Maven property {@code fuzz.duration} (generated, do not edit the copy). */
public final class FuzzBudget {

    /** Jazzer duration syntax, for example {@code 50s}, {@code 10m}, {@code 2h}. */
    public static final String MAX_DURATION = "${fuzz.duration}";

    private FuzzBudget() {
    }
}
