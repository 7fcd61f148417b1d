package org.iotgateway.api.jobs;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Executes the jobs of one operation (whiteboard).
 * <p>
 * Register a {@code JobHandler} service with the {@value #OPERATION} property naming the operation
 * (the {@code "operation"} field of the job document; a String or String[], or {@value #ANY_OPERATION}
 * for every operation no other handler takes), optionally {@value #THING_NAME} (String or String[])
 * to take jobs of those things only. A {@code JobsService} with automatic execution switched on then
 * starts each next job execution of its thing, calls {@link #execute} on a thread of its own (never
 * the MQTT client's) and sends the final status. When several handlers match, the one with the
 * highest {@code service.ranking} wins.
 *
 * <pre>{@code
 * @Component(property = JobHandler.OPERATION + "=reboot")
 * public class Reboot implements JobHandler {
 *     public JobOutcome execute(JobExecution execution, JobContext context) throws Exception {
 *         context.reportProgressAndWait(Map.of("step", "stopping services"));
 *         ...
 *         return JobOutcome.succeeded();
 *     }
 * }
 * }</pre>
 *
 * Executions of one thing run strictly one after another. A handler may block for as long as the
 * job needs; it should stop when its thread is interrupted or {@link JobContext#cancelled()}.
 * The outcome: the returned {@link JobOutcome} ({@code null} counts as success); an exception
 * fails the execution with its message as the status detail {@value JobOutcome#REASON}.
 */
@ConsumerType
@FunctionalInterface
public interface JobHandler {

    /** Whiteboard service property: the operation(s) handled (String or String[]). */
    String OPERATION = "job.operation";

    /** Whiteboard service property: restricts the handler to these things (String or String[]); default all. */
    String THING_NAME = "thing.name";

    /** The {@value #OPERATION} value of a handler that takes every operation no other handler takes. */
    String ANY_OPERATION = "*";

    /**
     * Executes a job execution. Called on a thread of the jobs service; may block.
     *
     * @param execution the execution (IN_PROGRESS), with its job document
     * @param context   progress reporting and cancellation
     * @return SUCCEEDED, FAILED or REJECTED with status details; {@code null} for SUCCEEDED without details
     * @throws Exception to fail the execution, with the exception's message as reason
     */
    JobOutcome execute(JobExecution execution, JobContext context) throws Exception;

    /**
     * Whether this handler can take over an execution that was already IN_PROGRESS when the jobs
     * service (re)started, for example because the gateway restarted in the middle of it. If no
     * handler can, the execution is FAILED with a reason saying so. Must return quickly.
     *
     * @param execution the execution found IN_PROGRESS (its status details tell how far it got)
     * @return {@code true} to get it with {@link JobContext#resumed()} set; {@code false} by default
     */
    default boolean canResume(JobExecution execution) {
        return false;
    }
}
