package org.iotgateway.api.jobs;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the thing's pending job executions whenever the service publishes them changed
 * ({@code notify}). Called in order, on a thread of the jobs service, never on the MQTT client's
 * network thread; a listener that throws is logged.
 */
@ConsumerType
@FunctionalInterface
public interface PendingJobsListener {

    /** @param pending the pending executions now */
    void pendingJobsChanged(PendingJobs pending);
}
