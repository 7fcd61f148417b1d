package org.iotgateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heap retained per idle connection: used heap after full collections with {@code count} connected idle clients,
 * minus the same without them, divided by {@code count}. Threads are counted the same way.
 */
final class IdleHeap {

    private static final Logger LOG = LoggerFactory.getLogger(IdleHeap.class);

    private IdleHeap() {
    }

    /** Opens the {@code i}-th client of a repetition. */
    interface Opener {
        Publisher open(String clientId) throws Exception;
    }

    record Result(String transport, String client, Stats bytesPerConnection, Stats threadsPerConnection) {
    }

    static Result measure(String transport, String client, String idPrefix, Opener opener, int count, int repeats)
            throws Exception {
        // class loading, static caches, JIT: not per connection
        for (int i = 0; i < 3; i++) {
            opener.open(idPrefix + "-warm-" + i).close();
        }
        List<Double> bytes = new ArrayList<>();
        List<Double> threads = new ArrayList<>();
        for (int r = 1; r <= repeats; r++) {
            IoTConnectionPublisher.sleep(1000);
            long heapBefore = usedHeapAfterGc();
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            List<Publisher> open = new ArrayList<>(count);
            try {
                for (int i = 0; i < count; i++) {
                    open.add(opener.open(idPrefix + "-r" + r + "-" + i));
                }
                IoTConnectionPublisher.sleep(2000); // let connect-time work finish
                long heapAfter = usedHeapAfterGc();
                int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
                double perConnection = (heapAfter - heapBefore) / (double) count;
                bytes.add(perConnection);
                threads.add((threadsAfter - threadsBefore) / (double) count);
                LOG.info("idle {} {} #{}: {} connections retain {} bytes each, {} threads each", transport, client, r,
                        count, Math.round(perConnection), (threadsAfter - threadsBefore) / (double) count);
                Reference.reachabilityFence(open);
            } finally {
                open.parallelStream().forEach(Publisher::close);
            }
        }
        return new Result(transport, client, Stats.of(bytes), Stats.of(threads));
    }

    /**
     * @return live heap after several full collections: what the last collection left in the heap pools
     *         ({@link MemoryPoolMXBean#getCollectionUsage()}). Not {@code MemoryMXBean}'s used heap: with G1 that
     *         counts every eden region a thread has started to fill (1 MB each with a 1 GB heap) as used, so one
     *         allocation after the collection added up to 1 MB, 20 KiB per connection of 50 (seen: 48 vs 28 KiB)
     */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            IoTConnectionPublisher.sleep(100);
            long afterGc = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage u = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
                if (u != null) {
                    afterGc += u.getUsed();
                }
            }
            used = Math.min(used, afterGc);
        }
        return used;
    }
}
