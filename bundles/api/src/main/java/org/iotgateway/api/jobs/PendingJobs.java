package org.iotgateway.api.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The pending job executions of a thing: those in progress and those queued, each oldest first.
 * The answer of {@link JobsService#listPending()} and the content of a {@code notify} message.
 */
public final class PendingJobs {

    private final List<JobExecutionSummary> inProgress;
    private final List<JobExecutionSummary> queued;
    private final Instant timestamp;

    /**
     * @param inProgress the IN_PROGRESS executions (copied)
     * @param queued     the QUEUED executions (copied)
     * @param timestamp  when the service produced the list, or {@code null}
     */
    public PendingJobs(List<JobExecutionSummary> inProgress, List<JobExecutionSummary> queued, Instant timestamp) {
        this.inProgress = List.copyOf(inProgress);
        this.queued = List.copyOf(queued);
        this.timestamp = timestamp;
    }

    /** @return the IN_PROGRESS executions */
    public List<JobExecutionSummary> inProgress() {
        return inProgress;
    }

    /** @return the QUEUED executions, in queue order */
    public List<JobExecutionSummary> queued() {
        return queued;
    }

    /** @return when the service produced the list ({@link Instant#EPOCH} if it did not say) */
    public Instant timestamp() {
        return timestamp == null ? Instant.EPOCH : timestamp;
    }

    /** @return whether nothing is pending */
    public boolean isEmpty() {
        return inProgress.isEmpty() && queued.isEmpty();
    }

    /**
     * @param jobId a job id
     * @return whether the job has a pending (in progress or queued) execution in this list
     */
    public boolean contains(String jobId) {
        return inProgress.stream().anyMatch(s -> s.jobId().equals(jobId))
                || queued.stream().anyMatch(s -> s.jobId().equals(jobId));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PendingJobs)) {
            return false;
        }
        PendingJobs p = (PendingJobs) o;
        return inProgress.equals(p.inProgress) && queued.equals(p.queued) && Objects.equals(timestamp, p.timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inProgress, queued, timestamp);
    }

    @Override
    public String toString() {
        return "PendingJobs[inProgress=" + inProgress + ", queued=" + queued + "]";
    }
}
