package org.iotgateway.mqtt.internal;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a connection reads from outside its configuration: environment variables, the user's home directory and
 * the clock. The process's own by default; tests pass their own.
 */
final class Environment {

    private static final Environment SYSTEM = new Environment(System::getenv, System.getProperty("user.home"),
            Clock.systemUTC());

    private final Function<String, String> variables;
    private final String userHome;
    private final Clock clock;

    Environment(Function<String, String> variables, String userHome, Clock clock) {
        this.variables = Objects.requireNonNull(variables);
        this.userHome = userHome;
        this.clock = Objects.requireNonNull(clock);
    }

    /** @return the process environment, user.home and the system UTC clock */
    static Environment system() {
        return SYSTEM;
    }

    /** @return an environment with these variables only */
    static Environment of(Map<String, String> variables, String userHome, Clock clock) {
        Map<String, String> copy = Map.copyOf(variables);
        return new Environment(copy::get, userHome, clock);
    }

    /** @return the variable's value, or null if unset or empty */
    String variable(String name) {
        String v = variables.apply(name);
        return v == null || v.trim().isEmpty() ? null : v.trim();
    }

    /** @return the user's home directory, or null */
    String userHome() {
        return userHome;
    }

    Clock clock() {
        return clock;
    }
}
