package org.iotgateway.jobs.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.emulator.Emulator;

/**
 * Time from a job's creation on the emulator to SUCCEEDED (the service's answer to the final update
 * reaching the gateway) for a no-op handler, one job at a time, through the jobs bundle's engine. In this
 * package because {@code Jobs.open} and {@code ExecutionObserver} are the bundle's internal entry points
 * outside OSGi.
 */
public final class JobsRoundTrips {

    private JobsRoundTrips() {
    }

    /** @return the round trip of each measured job in nanoseconds */
    public static long[] measure(Emulator emulator, IoTConnection connection, String thing, int warmup, int count)
            throws InterruptedException {
        BlockingQueue<String> finished = new LinkedBlockingQueue<>();
        try (Jobs.Standalone jobs = Jobs.open(connection, Map.of("thing.name", thing, "handler.wait.ms", 0))) {
            jobs.addHandler("noop", (execution, context) -> JobOutcome.succeeded());
            jobs.addObserver(new ExecutionObserver() {
                @Override
                public void finished(String jobId, long executionNumber, JobExecutionStatus status,
                        Map<String, String> details) {
                    finished.add(jobId + " " + status);
                }
            });
            jobs.listPendingAndWait();
            long[] nanos = new long[count];
            for (int i = 0; i < warmup + count; i++) {
                String jobId = thing + "-" + i;
                long t0 = System.nanoTime();
                emulator.createJob(jobId, "{\"operation\":\"noop\"}", List.of(thing));
                String done = finished.poll(10, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                if (!(jobId + " SUCCEEDED").equals(done)) {
                    throw new IllegalStateException("job " + jobId + " did not succeed within 10 s: " + done);
                }
                if (i >= warmup) {
                    nanos[i - warmup] = t1 - t0;
                }
            }
            return nanos;
        }
    }
}
