package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.iotgateway.tls.TlsMaterialException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the TLS material files of a connection configuration that is valid except for them (missing, unreadable or
 * wrong files, typically not provisioned yet), and asks for the configuration to be applied again when they may have
 * become usable.
 * <p>
 * Low cost: a tick only reads the files' attributes (type, size, modification time, file key, readability); the full
 * check (reading and parsing the files, the key/certificate match) runs when they changed, and at least every
 * {@code maxDelay} to catch rewrites a coarse modification time hides. Ticks start {@code firstDelay} apart and double
 * up to {@code maxDelay}; a change brings them back to {@code firstDelay}. One daemon thread, only while waiting;
 * {@link #stop()} ends it.
 */
final class TlsMaterialWait {

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterialWait.class);

    /** Default delay of the first re-check, and after the files changed. */
    static final long FIRST_DELAY_MILLIS = 1_000;
    /** Default largest delay between re-checks; also the longest time between two full checks. */
    static final long MAX_DELAY_MILLIS = 60_000;
    /** Prefix of the waiting thread's name; the configuration's PID follows. */
    static final String THREAD_NAME = "iotgw-tls-wait ";

    private final List<Path> files;
    private final long firstDelayMillis;
    private final long maxDelayMillis;
    private final Runnable recheck;
    private final ScheduledThreadPoolExecutor executor;

    private volatile boolean stopped;
    // touched by the waiting thread only
    private String fingerprint;
    private long delayMillis;
    private long lastFullCheckNanos;

    /**
     * @param pid the configuration's PID, for the thread name
     * @param files the TLS material files of the configuration
     * @param firstDelayMillis first delay, and after a change
     * @param maxDelayMillis largest delay
     * @param recheck applies the configuration again (called on the waiting thread)
     */
    TlsMaterialWait(String pid, List<Path> files, long firstDelayMillis, long maxDelayMillis, Runnable recheck) {
        this.files = List.copyOf(files);
        this.firstDelayMillis = firstDelayMillis;
        this.maxDelayMillis = Math.max(firstDelayMillis, maxDelayMillis);
        this.recheck = recheck;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, THREAD_NAME + pid);
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        this.delayMillis = firstDelayMillis;
        this.lastFullCheckNanos = System.nanoTime();
    }

    /** @return the TLS material files the settings name */
    static List<Path> files(ConnectionSettings s) {
        List<Path> result = new ArrayList<>();
        for (Path p : new Path[] { s.caFile, s.certFile, s.keyFile, s.keystoreFile, s.pkcs11Library }) {
            if (p != null) {
                result.add(p);
            }
        }
        return result;
    }

    /**
     * @return what identifies the problem for logging it once: the setting, the reason and the file (not the message,
     *         which may hold details such as a size that change while a file is written)
     */
    static String problem(TlsMaterialException e) {
        return e.setting() + "|" + e.reason() + "|" + e.file();
    }

    /** @return for example "1 s" or "50 ms" */
    static String duration(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** Schedules the first re-check. */
    void start() {
        schedule(firstDelayMillis);
    }

    /** Stops the re-checks; a re-check already running finishes, the thread ends after it. Does not block. */
    void stop() {
        stopped = true;
        // not shutdownNow(): the re-check may be this very thread, about to open the offline queue
        executor.shutdown();
    }

    /** @return whether {@link #stop()} was called */
    boolean stopped() {
        return stopped;
    }

    /**
     * Waits until the thread has ended, after {@link #stop()}. Must not be called while holding a lock the re-check
     * takes.
     *
     * @return whether it ended within the timeout
     */
    boolean awaitStopped(long timeoutMillis) {
        try {
            return executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void schedule(long delay) {
        if (stopped) {
            return;
        }
        try {
            executor.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    private void tick() {
        if (stopped) {
            return;
        }
        String now = fingerprint(files);
        boolean changed = !now.equals(fingerprint);
        fingerprint = now;
        boolean due = System.nanoTime() - lastFullCheckNanos >= TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
        if (changed || due) {
            lastFullCheckNanos = System.nanoTime();
            delayMillis = changed ? firstDelayMillis : delayMillis;
            try {
                recheck.run();
            } catch (RuntimeException e) {
                LOG.warn("Re-checking the TLS material files {} failed: {}", files, e.toString());
            }
        } else {
            delayMillis = Math.min(maxDelayMillis, delayMillis * 2);
        }
        schedule(delayMillis);
    }

    /** @return the attributes of the files that a change of content or permissions almost always changes */
    static String fingerprint(List<Path> files) {
        StringBuilder s = new StringBuilder();
        for (Path p : files) {
            s.append(p).append('=');
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                s.append(a.isRegularFile() ? 'f' : a.isDirectory() ? 'd' : 'o').append(',').append(a.size()).append(',')
                        .append(a.lastModifiedTime().toMillis()).append(',').append(a.fileKey()).append(',')
                        .append(Files.isReadable(p));
            } catch (NoSuchFileException e) {
                s.append("absent");
            } catch (IOException | RuntimeException e) {
                s.append(e.getClass().getSimpleName());
            }
            s.append(';');
        }
        return s.toString();
    }
}
