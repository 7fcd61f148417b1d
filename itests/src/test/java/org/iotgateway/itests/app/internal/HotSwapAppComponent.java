package org.iotgateway.itests.app.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;
import org.iotgateway.api.jobs.JobContext;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobHandler;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobsService;
import org.iotgateway.api.jobs.PendingJobs;
import org.iotgateway.api.shadow.ShadowService;
import org.iotgateway.itests.app.HotSwapApp;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * A gateway app as a real one is written: references that are optional, dynamic and
 * greedy, so the component stays active while a provider goes away and picks up a new (or
 * reconfigured, or updated) one as soon as it appears, without being restarted.
 */
@Component(service = { HotSwapApp.class, JobHandler.class },
        property = { JobHandler.OPERATION + "=" + HotSwapApp.JOB_OPERATION, JobHandler.THING_NAME + "=" + HotSwapApp.THING_NAME })
public class HotSwapAppComponent implements HotSwapApp, JobHandler {

    private volatile IoTConnection connection;
    private volatile ShadowService shadow;
    private volatile JobsService jobs;

    private final Map<String, AtomicInteger> bindCounts = new ConcurrentHashMap<>();
    private final Map<Integer, String> outcomes = new ConcurrentSkipListMap<>();
    private final List<String> jobsRun = Collections.synchronizedList(new ArrayList<>());
    private volatile Thread publisher;
    private volatile boolean publishing;

    // Bind/unbind methods rather than field injection, so that the app can count rebinds. Unbind only
    // clears what it is asked to unbind: a greedy replacement (bind new, then unbind old) is not undone.

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(connection.id=" + CONNECTION_ID + ")", unbind = "unbindConnection")
    void bindConnection(IoTConnection c) {
        connection = c;
        count("connection");
    }

    void unbindConnection(IoTConnection c) {
        if (connection == c) {
            connection = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(thing.name=" + HotSwapApp.THING_NAME + ")", unbind = "unbindShadow")
    void bindShadow(ShadowService s) {
        shadow = s;
        count("shadow");
    }

    void unbindShadow(ShadowService s) {
        if (shadow == s) {
            shadow = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(thing.name=" + HotSwapApp.THING_NAME + ")", unbind = "unbindJobs")
    void bindJobs(JobsService j) {
        jobs = j;
        count("jobs");
    }

    void unbindJobs(JobsService j) {
        if (jobs == j) {
            jobs = null;
        }
    }

    private void count(String reference) {
        bindCounts.computeIfAbsent(reference, k -> new AtomicInteger()).incrementAndGet();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopPublishing();
    }

    @Override
    public boolean allBound() {
        return connection != null && shadow != null && jobs != null;
    }

    @Override
    public String connectionProviderVersion() {
        IoTConnection c = connection;
        return c == null ? null : String.valueOf(FrameworkUtil.getBundle(c.getClass()).getVersion());
    }

    @Override
    public Map<String, Integer> bindCounts() {
        Map<String, Integer> m = new ConcurrentHashMap<>();
        bindCounts.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    @Override
    public synchronized void startPublishing(String topic, long intervalMillis) {
        if (publisher != null) {
            throw new IllegalStateException("already publishing");
        }
        outcomes.clear();
        publishing = true;
        Thread t = new Thread(() -> publishLoop(topic, intervalMillis), "hotswap-app-publisher");
        t.setDaemon(true);
        publisher = t;
        t.start();
    }

    private void publishLoop(String topic, long intervalMillis) {
        int seq = 0;
        while (publishing) {
            int n = seq++;
            IoTConnection c = connection;
            if (c == null) {
                outcomes.put(n, NO_SERVICE);
            } else {
                outcomes.put(n, PENDING);
                try {
                    c.publish(topic, Integer.toString(n).getBytes(java.nio.charset.StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE)
                            .whenComplete((ok, failure) -> outcomes.put(n,
                                    failure == null ? ACKNOWLEDGED : FAILED + unwrap(failure).getClass().getSimpleName()));
                } catch (RuntimeException e) {
                    outcomes.put(n, THREW + e.getClass().getSimpleName());
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(intervalMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void stopPublishing() throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = publisher;
            publisher = null;
            publishing = false;
        }
        if (t != null) {
            t.join(10_000);
        }
    }

    @Override
    public Map<Integer, String> outcomes() {
        return new java.util.TreeMap<>(outcomes);
    }

    @Override
    public Map<String, Object> reportShadow(Map<String, Object> reported) throws Exception {
        ShadowService s = shadow;
        if (s == null) {
            throw new IllegalStateException("no ShadowService bound");
        }
        return s.report(reported).toCompletableFuture().get(10, TimeUnit.SECONDS).reported();
    }

    @Override
    public List<String> pendingJobs() {
        JobsService j = jobs;
        if (j == null) {
            throw new IllegalStateException("no JobsService bound");
        }
        PendingJobs pending = j.listPendingAndWait();
        List<String> ids = new ArrayList<>();
        pending.inProgress().forEach(e -> ids.add(e.jobId()));
        pending.queued().forEach(e -> ids.add(e.jobId()));
        return ids;
    }

    @Override
    public List<String> jobsRun() {
        synchronized (jobsRun) {
            return new ArrayList<>(jobsRun);
        }
    }

    @Override
    public JobOutcome execute(JobExecution execution, JobContext context) {
        jobsRun.add(execution.jobId());
        return JobOutcome.succeeded(Map.of("handledBy", "hotswap-app"));
    }
}
