package org.iotgateway.demo;

import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A load generator for measurements: publishes {@code rate} messages per second of {@code payload.size} random bytes
 * through {@link IoTConnection}, paced by elapsed time (no drift), and logs every 10 s what was published, completed
 * (PUBACK for QoS 1), failed and skipped. Off while {@code rate} is 0 (the default): then it starts no thread at all.
 * <p>
 * Its backlog is bounded: with {@code max.outstanding} publishes not yet completed it skips messages (counted) rather
 * than growing the connection's queue without limit.
 */
@Component(configurationPid = DemoLoad.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = LoadConfig.class)
public class DemoLoad {

    static final String PID = "org.iotgateway.demo.load";

    private static final Logger LOG = LoggerFactory.getLogger("demo-load");
    private static final long REPORT_NANOS = TimeUnit.SECONDS.toNanos(10);

    @Reference(name = "IoTConnection")
    IoTConnection connection;

    private LoadPlan plan;
    private byte[] payload;
    private ScheduledExecutorService timer;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    // the fields below: timer thread only
    private long start;
    private long published;
    private long skipped;
    private long lastReport;
    private long publishedAtReport;
    private long completedAtReport;

    @Activate
    void activate(LoadConfig config) {
        plan = LoadPlan.of(config);
        if (plan.off()) {
            LOG.debug("Load generator off (rate 0)");
            return;
        }
        payload = new byte[plan.payloadSize];
        new Random(42).nextBytes(payload);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-load");
            t.setDaemon(true);
            return t;
        });
        LOG.info("Load: {} msgs/s of {} bytes, QoS {}, to {} on connection '{}', starting in {} s{}", plan.rate,
                plan.payloadSize, plan.qos.level(), plan.topic, connection.id(), plan.delayMillis / 1000,
                plan.durationNanos > 0 ? ", for " + TimeUnit.NANOSECONDS.toSeconds(plan.durationNanos) + " s" : "");
        timer.scheduleAtFixedRate(this::tick, plan.delayMillis, 1, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (start != 0) {
            LOG.info("Load stopped: {}", totals(System.nanoTime()));
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (start == 0) {
            start = now;
            lastReport = now;
            LOG.info("Load: started");
        }
        long elapsed = now - start;
        long due = plan.dueAfter(elapsed);
        try {
            while (published + skipped < due) {
                if (published - completed.get() - failed.get() >= plan.maxOutstanding) {
                    skipped += due - published - skipped;
                    break;
                }
                connection.publish(plan.topic, payload, plan.qos).whenComplete((ok, error) -> {
                    if (error == null) {
                        completed.incrementAndGet();
                    } else if (failed.getAndIncrement() == 0) {
                        LOG.warn("Load: a publish failed (further failures are only counted): {}", error.getMessage());
                    }
                });
                published++;
            }
        } catch (IoTException | IllegalArgumentException e) {
            LOG.error("Load stopped: publish refused: {}", e.getMessage());
            timer.shutdown();
            return;
        }
        if (now - lastReport >= REPORT_NANOS) {
            long c = completed.get();
            double seconds = (now - lastReport) / 1e9;
            LOG.info(String.format(Locale.ROOT, "Load: %.1f msgs/s published, %.1f msgs/s completed over the last %.1f s; %s",
                    (published - publishedAtReport) / seconds, (c - completedAtReport) / seconds, seconds, totals(now)));
            lastReport = now;
            publishedAtReport = published;
            completedAtReport = c;
        }
        if (plan.finished(elapsed)) {
            LOG.info("Load: done: {}", totals(now));
            timer.shutdown();
        }
    }

    private String totals(long now) {
        return String.format(Locale.ROOT, "%d published, %d completed, %d failed, %d skipped (backlog) in %.1f s, "
                + "%d queued", published, completed.get(), failed.get(), skipped, (now - start) / 1e9,
                connection.queuedMessages());
    }
}
