package org.iotgateway.jobs.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;

/** Records what an engine does, in order. */
final class Recorder implements ExecutionObserver {

    /** One event. */
    static final class Event {
        final String kind;
        final String jobId;
        final String detail;
        final long nanos = System.nanoTime();

        Event(String kind, String jobId, String detail) {
            this.kind = kind;
            this.jobId = jobId;
            this.detail = detail;
        }

        @Override
        public String toString() {
            return kind + " " + jobId + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void started(JobExecution execution, boolean resumed) {
        events.add(new Event(resumed ? "resumed" : "started", execution.jobId(), ""));
    }

    @Override
    public void finished(String jobId, long executionNumber, JobExecutionStatus status, Map<String, String> details) {
        events.add(new Event("finished", jobId, status.name()));
    }

    @Override
    public void stopped(String jobId, long executionNumber, String why) {
        events.add(new Event("stopped", jobId, why));
    }

    boolean has(String kind, String jobId) {
        return events.stream().anyMatch(e -> e.kind.equals(kind) && e.jobId.equals(jobId));
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.toString()));
        return out;
    }
}
