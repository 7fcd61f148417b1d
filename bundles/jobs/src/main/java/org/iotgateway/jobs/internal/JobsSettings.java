package org.iotgateway.jobs.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.jobs.JobUpdate;

/** Validated, immutable settings of one jobs service. */
final class JobsSettings {

    /** AWS IoT thing names: 1 to 128 characters of {@code [a-zA-Z0-9:_-]}. */
    static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    enum SubscriptionMode {
        THING("thing"), SHARED("shared");

        final String id;

        SubscriptionMode(String id) {
            this.id = id;
        }
    }

    final String thingName;
    final boolean autoExecute;
    /** Minutes; 0 for none. */
    final int stepTimeoutMinutes;
    final QoS qos;
    final Duration operationTimeout;
    final Duration handlerWait;
    final Duration cancelWait;
    final SubscriptionMode subscriptions;
    /** First delay before the engine retries a failed request; doubles up to {@link #retryMax}. */
    final Duration retryBase;
    final Duration retryMax;

    private JobsSettings(String thingName, boolean autoExecute, int stepTimeoutMinutes, QoS qos,
            Duration operationTimeout, Duration handlerWait, Duration cancelWait, SubscriptionMode subscriptions,
            Duration retryBase, Duration retryMax) {
        this.thingName = thingName;
        this.autoExecute = autoExecute;
        this.stepTimeoutMinutes = stepTimeoutMinutes;
        this.qos = qos;
        this.operationTimeout = operationTimeout;
        this.handlerWait = handlerWait;
        this.cancelWait = cancelWait;
        this.subscriptions = subscriptions;
        this.retryBase = retryBase;
        this.retryMax = retryMax;
    }

    /**
     * @throws InvalidConfigurationException naming the first invalid property
     */
    static JobsSettings from(JobsConfig c) {
        String thing = c.thing_name() == null ? "" : c.thing_name().trim();
        if (thing.isEmpty()) {
            throw new InvalidConfigurationException("thing.name", "is required");
        }
        if (!THING_NAME.matcher(thing).matches()) {
            throw new InvalidConfigurationException("thing.name", "'" + thing
                    + "' is not a valid AWS IoT thing name: use 1 to 128 characters of letters, digits, ':', '_' and '-'");
        }
        int step = c.step_timeout();
        if (step < 0 || step > JobUpdate.MAX_STEP_TIMEOUT_MINUTES) {
            throw new InvalidConfigurationException("step.timeout", step + " is out of range: use 0 (none) to "
                    + JobUpdate.MAX_STEP_TIMEOUT_MINUTES + " minutes");
        }
        QoS qos;
        try {
            qos = QoS.of(c.qos());
        } catch (InvalidRequestException e) {
            throw new InvalidConfigurationException("qos", c.qos() + " is not supported: use 0 or 1");
        }
        if (c.operation_timeout() < 1) {
            throw new InvalidConfigurationException("operation.timeout", c.operation_timeout() + " must be at least 1 second");
        }
        if (c.handler_wait() < 0) {
            throw new InvalidConfigurationException("handler.wait", c.handler_wait() + " must not be negative");
        }
        if (c.cancel_wait() < 0) {
            throw new InvalidConfigurationException("cancel.wait", c.cancel_wait() + " must not be negative");
        }
        String mode = c.subscriptions() == null ? "" : c.subscriptions().trim();
        SubscriptionMode subscriptions = null;
        for (SubscriptionMode m : SubscriptionMode.values()) {
            if (m.id.equalsIgnoreCase(mode)) {
                subscriptions = m;
            }
        }
        if (subscriptions == null) {
            throw new InvalidConfigurationException("subscriptions", "'" + mode + "' is not supported: use thing or shared");
        }
        return new JobsSettings(thing, c.auto_execute(), step, qos, Duration.ofSeconds(c.operation_timeout()),
                Duration.ofSeconds(c.handler_wait()), Duration.ofSeconds(c.cancel_wait()), subscriptions,
                Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** Same settings with other timings (tests use sub-second values). */
    JobsSettings withTimings(Duration operationTimeout, Duration handlerWait, Duration cancelWait, Duration retryBase,
            Duration retryMax) {
        return new JobsSettings(thingName, autoExecute, stepTimeoutMinutes, qos, operationTimeout, handlerWait,
                cancelWait, subscriptions, retryBase, retryMax);
    }

    /** @return whether a running engine must be replaced (rather than updated) to apply {@code other} */
    boolean needsNewEngine(JobsSettings other) {
        return !thingName.equals(other.thingName) || qos != other.qos || subscriptions != other.subscriptions;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof JobsSettings)) {
            return false;
        }
        JobsSettings s = (JobsSettings) o;
        return thingName.equals(s.thingName) && autoExecute == s.autoExecute && stepTimeoutMinutes == s.stepTimeoutMinutes
                && qos == s.qos && operationTimeout.equals(s.operationTimeout) && handlerWait.equals(s.handlerWait)
                && cancelWait.equals(s.cancelWait) && subscriptions == s.subscriptions && retryBase.equals(s.retryBase)
                && retryMax.equals(s.retryMax);
    }

    @Override
    public int hashCode() {
        return Objects.hash(thingName, autoExecute, stepTimeoutMinutes, qos, operationTimeout);
    }

    @Override
    public String toString() {
        return "thing.name=" + thingName + ", auto.execute=" + autoExecute + ", step.timeout=" + stepTimeoutMinutes
                + ", qos=" + qos.level() + ", operation.timeout=" + operationTimeout.toSeconds() + "s, handler.wait="
                + handlerWait.toSeconds() + "s, cancel.wait=" + cancelWait.toSeconds() + "s, subscriptions="
                + subscriptions.id;
    }
}
