package org.iotgateway.itests;

import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.QoS;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The gateway app of {@link KuraDeploymentPackageIT}: uses whatever IoTConnection service with the
 * given connection id is registered, and can publish sequence numbers continuously (QoS 1, about one
 * per millisecond) across the update of the connection bundle.
 * <p>
 * Everything that mentions our API lives here, not in the test class: JUnit inspects the test class
 * before the deployment package (and with it the API) is installed.
 */
final class KuraDpApp implements AutoCloseable {

    private static final long TIMEOUT_MS = 20_000;

    private final ServiceTracker<IoTConnection, IoTConnection> tracker;
    private volatile Thread thread;

    final AtomicBoolean stop = new AtomicBoolean();
    /** Sequence numbers whose publish was accepted: publish returned a stage (the disk queue holds it). */
    final ConcurrentLinkedQueue<Integer> accepted = new ConcurrentLinkedQueue<>();
    /** Publishes refused with an exception (nothing accepted), by exception type. */
    final AtomicInteger rejected = new AtomicInteger();
    final Map<String, Integer> rejections = new ConcurrentHashMap<>();
    /** Accepted publishes whose stage failed (the message may still be queued on disk), by exception type. */
    final Map<String, Integer> stageFailures = new ConcurrentHashMap<>();
    final AtomicInteger completed = new AtomicInteger();
    final AtomicLong noServiceNanos = new AtomicLong();
    final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

    KuraDpApp(BundleContext context, String connectionId) throws InvalidSyntaxException {
        tracker = new ServiceTracker<>(context, FrameworkUtil.createFilter(
                "(&(objectClass=" + IoTConnection.class.getName() + ")(connection.id=" + connectionId + "))"), null);
        tracker.open();
    }

    /** @return the connection service once one is there and CONNECTED (as Object: compared by identity) */
    Object awaitConnected() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            IoTConnection c = tracker.getService();
            if (c != null && c.state() == ConnectionState.CONNECTED) {
                return c;
            }
            if (System.nanoTime() > deadline) {
                fail("no CONNECTED IoTConnection service within " + TIMEOUT_MS + " ms; "
                        + (c == null ? "no service" : "state " + c.state()));
            }
            sleep(50);
        }
    }

    void publishAndWait(String topic, String payload) {
        IoTConnection c = tracker.getService();
        if (c == null) {
            fail("no IoTConnection service");
        }
        c.publishAndWait(topic, payload.getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE);
    }

    void startPublishing(String topic) {
        Thread t = new Thread(() -> publishLoop(topic), "kura-dp-app");
        thread = t;
        t.start();
    }

    /** @return whether the publishing thread ended */
    boolean stopPublishing() throws InterruptedException {
        stop.set(true);
        Thread t = thread;
        if (t != null) {
            t.join(10_000);
            return !t.isAlive();
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        stopPublishing();
        tracker.close();
    }

    private void publishLoop(String topic) {
        int seq = 0;
        while (!stop.get()) {
            IoTConnection c = tracker.getService();
            if (c == null) {
                long t = System.nanoTime();
                sleep(2);
                noServiceNanos.addAndGet(System.nanoTime() - t);
                continue;
            }
            int n = seq;
            try {
                c.publish(topic, Integer.toString(n).getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE)
                        .whenComplete((ok, error) -> {
                            if (error == null) {
                                completed.incrementAndGet();
                            } else {
                                stageFailures.merge(name(error), 1, Integer::sum);
                            }
                        });
                accepted.add(n);
                seq++;
            } catch (IoTException | IllegalStateException e) {
                // the service is going away under the app: the publish was refused, nothing was accepted
                rejected.incrementAndGet();
                rejections.merge(name(e), 1, Integer::sum);
            } catch (RuntimeException | Error e) {
                unexpected.add(e);
                e.printStackTrace(System.out);
                return;
            }
            sleep(1);
        }
    }

    private static String name(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
