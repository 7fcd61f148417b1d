package org.iotgateway.jobs.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobUpdateResult;
import org.iotgateway.api.jobs.JobsService;
import org.iotgateway.api.jobs.NextJobListener;
import org.iotgateway.api.jobs.PendingJobs;
import org.iotgateway.api.jobs.PendingJobsListener;

/**
 * Opens a jobs service outside an OSGi framework (benchmarks, tools, tests of other modules) on an
 * {@link IoTConnection} (for example one from {@code Connections.open(...)}), from the same
 * configuration properties the factory PID {@value JobsComponent#FACTORY_PID} takes. Inside OSGi,
 * use the configuration, the {@link JobsService} service and {@link JobHandler} services instead.
 * Not exported.
 *
 * <pre>{@code
 * try (Jobs.Standalone jobs = Jobs.open(connection, Map.of("thing.name", "gw-1"))) {
 *     jobs.addHandler("noop", (execution, context) -> JobOutcome.succeeded());
 *     jobs.addObserver(new ExecutionObserver() {
 *         public void finished(String jobId, long n, JobExecutionStatus status, Map<String, String> details) { ... }
 *     });
 *     ...
 * }
 * }</pre>
 *
 * Besides the configuration properties, these timing properties (milliseconds) are read, for tests
 * and benchmarks: {@code operation.timeout.ms}, {@code handler.wait.ms}, {@code cancel.wait.ms},
 * {@code retry.base.ms}, {@code retry.max.ms}.
 */
public final class Jobs {

    private Jobs() {
    }

    /** A jobs service opened here, with its own handler registry. {@link #close()} stops it (not the connection). */
    public interface Standalone extends JobsService, AutoCloseable {

        /**
         * Registers a handler for one operation (or {@value JobHandler#ANY_OPERATION}).
         *
         * @return closing it removes the handler
         */
        HandlerRegistration addHandler(String operation, JobHandler handler);

        /**
         * Registers a handler as the whiteboard would.
         *
         * @param operations the operations it takes
         * @param things     the things it is restricted to, empty for all
         * @param ranking    higher wins
         * @return closing it removes the handler
         */
        HandlerRegistration addHandler(JobHandler handler, Collection<String> operations, Collection<String> things,
                int ranking);

        /** @param observer follows the automatic execution (called on the engine thread: return quickly) */
        void addObserver(ExecutionObserver observer);

        /** @param observer an observer added before */
        void removeObserver(ExecutionObserver observer);

        /** Stops the service; a running handler is interrupted and its execution left IN_PROGRESS. */
        @Override
        void close();
    }

    /** A handler added to a standalone jobs service. */
    public interface HandlerRegistration extends AutoCloseable {
        /** Removes the handler. */
        @Override
        void close();
    }

    /**
     * @param connection the connection to use (it stays open when the jobs service is closed)
     * @param properties configuration properties as in the factory PID ({@code thing.name}, {@code auto.execute},
     *                   {@code step.timeout}, {@code qos}, {@code operation.timeout}, {@code handler.wait},
     *                   {@code cancel.wait}, {@code subscriptions}), values as strings or boxed primitives
     * @return the started service
     * @throws IllegalArgumentException naming the property, for an invalid configuration
     * @throws IllegalStateException    if the thing has a jobs service on this connection already
     */
    public static Standalone open(IoTConnection connection, Map<String, ?> properties) {
        JobsSettings settings;
        try {
            settings = JobsSettings.from(ConfigProxy.jobs(properties));
            settings = settings.withTimings(millis(properties, "operation.timeout.ms", settings.operationTimeout),
                    millis(properties, "handler.wait.ms", settings.handlerWait),
                    millis(properties, "cancel.wait.ms", settings.cancelWait),
                    millis(properties, "retry.base.ms", settings.retryBase),
                    millis(properties, "retry.max.ms", settings.retryMax));
        } catch (InvalidConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        HandlerRegistry registry = new HandlerRegistry();
        JobsEngine engine = new JobsEngine(settings, registry);
        try {
            engine.attach(connection);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        return new StandaloneJobs(engine, registry);
    }

    private static Duration millis(Map<String, ?> properties, String key, Duration dflt) {
        Object v = properties.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long ms = v instanceof Number ? ((Number) v).longValue() : Long.parseLong(String.valueOf(v).trim());
            if (ms < 0) {
                throw new InvalidConfigurationException(key, ms + " must not be negative");
            }
            return Duration.ofMillis(ms);
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(key, "'" + v + "' is not a whole number");
        }
    }

    private static final class StandaloneJobs implements Standalone {
        private final JobsEngine engine;
        private final HandlerRegistry registry;

        StandaloneJobs(JobsEngine engine, HandlerRegistry registry) {
            this.engine = engine;
            this.registry = registry;
        }

        @Override
        public HandlerRegistration addHandler(String operation, JobHandler handler) {
            return addHandler(handler, List.of(operation), List.of(), 0);
        }

        @Override
        public HandlerRegistration addHandler(JobHandler handler, Collection<String> operations, Collection<String> things,
                int ranking) {
            if (handler == null) {
                throw new IllegalArgumentException("handler is null");
            }
            Object key = new Object();
            if (!registry.add(key, handler, operations, things, ranking)) {
                throw new IllegalArgumentException("a handler needs at least one operation");
            }
            return () -> registry.remove(key);
        }

        @Override
        public void addObserver(ExecutionObserver observer) {
            engine.addObserver(observer);
        }

        @Override
        public void removeObserver(ExecutionObserver observer) {
            engine.removeObserver(observer);
        }

        @Override
        public void close() {
            engine.close();
        }

        @Override
        public String thingName() {
            return engine.thingName();
        }

        @Override
        public CompletionStage<PendingJobs> listPending() {
            return engine.listPending();
        }

        @Override
        public PendingJobs listPendingAndWait() {
            return engine.listPendingAndWait();
        }

        @Override
        public CompletionStage<Optional<JobExecution>> startNext() {
            return engine.startNext();
        }

        @Override
        public CompletionStage<Optional<JobExecution>> startNext(Map<String, String> statusDetails, int stepTimeoutMinutes) {
            return engine.startNext(statusDetails, stepTimeoutMinutes);
        }

        @Override
        public Optional<JobExecution> startNextAndWait(Map<String, String> statusDetails, int stepTimeoutMinutes) {
            return engine.startNextAndWait(statusDetails, stepTimeoutMinutes);
        }

        @Override
        public CompletionStage<Optional<JobExecution>> describe(String jobId, long executionNumber, boolean includeJobDocument) {
            return engine.describe(jobId, executionNumber, includeJobDocument);
        }

        @Override
        public Optional<JobExecution> describeAndWait(String jobId, long executionNumber, boolean includeJobDocument) {
            return engine.describeAndWait(jobId, executionNumber, includeJobDocument);
        }

        @Override
        public CompletionStage<JobUpdateResult> update(String jobId, JobUpdate update) {
            return engine.update(jobId, update);
        }

        @Override
        public JobUpdateResult updateAndWait(String jobId, JobUpdate update) {
            return engine.updateAndWait(jobId, update);
        }

        @Override
        public void addPendingJobsListener(PendingJobsListener listener) {
            engine.addPendingJobsListener(listener);
        }

        @Override
        public void removePendingJobsListener(PendingJobsListener listener) {
            engine.removePendingJobsListener(listener);
        }

        @Override
        public void addNextJobListener(NextJobListener listener) {
            engine.addNextJobListener(listener);
        }

        @Override
        public void removeNextJobListener(NextJobListener listener) {
            engine.removeNextJobListener(listener);
        }

        @Override
        public String toString() {
            return engine.toString();
        }
    }
}
