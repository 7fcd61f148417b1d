package org.iotgateway.api.jobs;

import java.time.Instant;
import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the thing's next pending job execution whenever it changes ({@code notify-next}).
 * Called in order, on a thread of the jobs service, never on the MQTT client's network thread; a
 * listener that throws is logged.
 */
@ConsumerType
@FunctionalInterface
public interface NextJobListener {

    /**
     * @param next      the next execution (IN_PROGRESS first, else the oldest QUEUED, with its job document),
     *                  or empty when nothing is pending any more
     * @param timestamp when the service published it
     */
    void nextJobChanged(Optional<JobExecution> next, Instant timestamp);
}
