package org.iotgateway.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the benchmark JVM, in total and per kind of thread (the publishing thread, Paho's sender, receiver
 * and callback threads, IoTConnection's dispatch pool and control thread, the rest). A cheap substitute for a
 * profiler that is much less disturbed by other processes on the machine than wall-clock throughput.
 */
final class ThreadCpu {

    /** Thread kinds, in table order. */
    static final List<String> GROUPS = List.of("publisher (main)", "Paho sender", "Paho receiver", "Paho callback",
            "IoTConnection dispatch pool", "IoTConnection control", "other Java threads");
    /** Key of the process total. */
    static final String PROCESS = "process";
    /** Key of the CPU time of threads Java does not list: GC, JIT compilers, VM (process minus the groups). */
    static final String JVM_INTERNAL = "GC, JIT, VM";
    /** Key of the bytes allocated by all listed threads. */
    static final String ALLOCATED = "allocated bytes";
    /** Key of the voluntary context switches of all threads of the process (Linux only, else 0). */
    static final String SWITCHES = "context switches";

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.ThreadMXBean ALLOCATION =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final long processCpu;
    private final Map<Long, Long> cpuById;
    private final Map<Long, String> nameById;
    private final Map<Long, Long> allocatedById;
    private final Map<String, Long> switchesByTask;

    private ThreadCpu(long processCpu, Map<Long, Long> cpuById, Map<Long, String> nameById,
            Map<Long, Long> allocatedById, Map<String, Long> switchesByTask) {
        this.processCpu = processCpu;
        this.switchesByTask = switchesByTask;
        this.cpuById = cpuById;
        this.nameById = nameById;
        this.allocatedById = allocatedById;
    }

    static ThreadCpu snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> allocated = new HashMap<>();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        long[] bytes = ALLOCATION.getThreadAllocatedBytes(ids);
        for (int i = 0; i < ids.length; i++) {
            long t = THREADS.getThreadCpuTime(ids[i]);
            if (t >= 0 && infos[i] != null) {
                cpu.put(ids[i], t);
                names.put(ids[i], infos[i].getThreadName());
                allocated.put(ids[i], Math.max(0, bytes[i]));
            }
        }
        return new ThreadCpu(OS.getProcessCpuTime(), cpu, names, allocated, voluntarySwitches());
    }

    /**
     * @param before the snapshot at the start
     * @return CPU nanoseconds since {@code before}: per group, {@link #JVM_INTERNAL} and {@link #PROCESS}; and
     *         {@link #ALLOCATED} bytes
     */
    Map<String, Long> since(ThreadCpu before) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String g : GROUPS) {
            out.put(g, 0L);
        }
        long listed = 0;
        long allocated = 0;
        for (Map.Entry<Long, Long> e : cpuById.entrySet()) {
            long delta = e.getValue() - before.cpuById.getOrDefault(e.getKey(), 0L);
            out.merge(group(nameById.get(e.getKey())), delta, Long::sum);
            listed += delta;
            allocated += allocatedById.get(e.getKey()) - before.allocatedById.getOrDefault(e.getKey(), 0L);
        }
        long process = processCpu - before.processCpu;
        out.put(JVM_INTERNAL, Math.max(0, process - listed));
        out.put(PROCESS, process);
        out.put(ALLOCATED, allocated);
        long switches = 0;
        for (Map.Entry<String, Long> e : switchesByTask.entrySet()) {
            switches += e.getValue() - before.switchesByTask.getOrDefault(e.getKey(), 0L);
        }
        out.put(SWITCHES, switches);
        return out;
    }

    /** @return voluntary context switches (a thread blocking: park, wait, I/O) per task of this process */
    private static Map<String, Long> voluntarySwitches() {
        Map<String, Long> out = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            out.put(task.getFileName().toString(), Long.parseLong(line.substring(24).trim()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // not Linux-like
        }
        return out;
    }

    static boolean enabled() {
        return THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    }

    private static String group(String name) {
        if (name.equals("main")) {
            return GROUPS.get(0);
        }
        if (name.startsWith("MQTT Snd")) {
            return GROUPS.get(1);
        }
        if (name.startsWith("MQTT Rec")) {
            return GROUPS.get(2);
        }
        if (name.startsWith("MQTT Call")) {
            return GROUPS.get(3);
        }
        if (name.startsWith("iotgw-") && name.contains("-dispatch-")) {
            return GROUPS.get(4);
        }
        if (name.startsWith("iotgw-") && name.contains("-control-")) {
            return GROUPS.get(5);
        }
        return GROUPS.get(6);
    }
}
