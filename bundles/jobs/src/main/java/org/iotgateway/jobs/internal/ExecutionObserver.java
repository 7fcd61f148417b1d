package org.iotgateway.jobs.internal;

import java.util.Map;

import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;

/**
 * Follows the automatic execution of one jobs engine (tests, benchmarks, diagnostics). Called on
 * the engine's thread: must return quickly and not call back into the engine.
 */
public interface ExecutionObserver {

    /**
     * A handler was given an execution.
     *
     * @param execution the execution
     * @param resumed   whether it was found IN_PROGRESS rather than started now
     */
    default void started(JobExecution execution, boolean resumed) {
    }

    /**
     * The service accepted the final status of an execution (or already had it in a terminal status).
     *
     * @param jobId           the job
     * @param executionNumber the execution number
     * @param status          the final status
     * @param statusDetails   the status details sent with it
     */
    default void finished(String jobId, long executionNumber, JobExecutionStatus status, Map<String, String> statusDetails) {
    }

    /**
     * The handler of an execution was told to stop without a final update (cancelled or timed out at
     * the service, handler unregistered, service closing).
     *
     * @param jobId           the job
     * @param executionNumber the execution number
     * @param why             the reason in words
     */
    default void stopped(String jobId, long executionNumber, String why) {
    }
}
