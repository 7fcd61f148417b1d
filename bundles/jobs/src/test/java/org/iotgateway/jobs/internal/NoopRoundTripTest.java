package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.junit.jupiter.api.Test;

/**
 * Time from job creation on the emulator to SUCCEEDED (the service's answer to the final update
 * reaching the gateway) for a no-op handler, one job at a time. {@code -Djobs.roundtrip.count=N}
 * (default 200) jobs are measured after 20 for warm-up; p50 / p99 / max are printed.
 */
class NoopRoundTripTest extends EmulatorTestBase {

    @Test
    void noopHandlerRoundTrip() throws Exception {
        int count = Integer.getInteger("jobs.roundtrip.count", 200);
        int warmup = 20;
        String thing = unique("bench");
        BlockingQueue<String> finished = new LinkedBlockingQueue<>();
        Jobs.Standalone jobs = jobs(connect(thing), settings(thing));
        jobs.addHandler("noop", (execution, context) -> JobOutcome.succeeded());
        jobs.addObserver(new ExecutionObserver() {
            @Override
            public void finished(String jobId, long executionNumber, JobExecutionStatus status, Map<String, String> details) {
                finished.add(jobId + " " + status);
            }
        });
        ready(jobs);
        long[] micros = new long[count];
        for (int i = 0; i < warmup + count; i++) {
            String jobId = thing + "-" + i;
            long t0 = System.nanoTime();
            emulator.createJob(jobId, "{\"operation\":\"noop\"}", thing);
            String done = finished.poll(10, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            assertNotNull(done, "job " + jobId + " did not finish");
            assertEquals(jobId + " SUCCEEDED", done);
            if (i >= warmup) {
                micros[i - warmup] = TimeUnit.NANOSECONDS.toMicros(t1 - t0);
            }
        }
        Arrays.sort(micros);
        System.out.printf("jobs no-op round trip%s over %d jobs (creation -> SUCCEEDED answer): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                MQTT5 ? " (MQTT 5 through the mosquitto bridge)" : "", count, micros[count / 2] / 1000.0, micros[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)] / 1000.0,
                micros[count - 1] / 1000.0);
    }
}
