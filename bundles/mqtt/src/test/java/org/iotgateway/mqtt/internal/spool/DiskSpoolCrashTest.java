package org.iotgateway.mqtt.internal.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.iotgateway.mqtt.internal.spool.DiskSpool.Sync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code kill -9}: a child JVM appends to a {@link DiskSpool} in {@link Sync#WRITE} mode and
 * reports each accepted entry; the test kills it mid-stream with SIGKILL, then opens the spool and
 * checks every reported entry is there, in order, without a gap. While the child runs, the test
 * also checks that the directory's lock keeps a second process out.
 */
class DiskSpoolCrashTest {

    @TempDir
    Path tmp;

    /** What the child reported before it died. */
    private static final class Report {
        long lastAccepted = -1;
        long lastRemoved = -1;
        int lines;
    }

    @Test
    void entriesReportedAcceptedSurviveASigkill() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dir = tmp.resolve("append-only-" + round);
            Report report = runAndKill(dir, 64 * 1024, 0, 3000 + round * 4000);
            verify(dir, report, 0);
        }
    }

    @Test
    void entriesReportedAcceptedAndNotRemovedSurviveASigkillWhileAcknowledging() throws Exception {
        for (int round = 0; round < 3; round++) {
            Path dir = tmp.resolve("acknowledging-" + round);
            Report report = runAndKill(dir, 16 * 1024, 500, 4000 + round * 4000);
            assertTrue(report.lastRemoved >= 0, "the child removed entries");
            verify(dir, report, 500);
        }
    }

    /**
     * Starts the child with its standard output going to a file, kills it once it reported
     * {@code killAfterLines} lines, then reads what it reported before it died. (Not a pipe:
     * {@link Process#destroyForcibly()} closes the pipe's stream, losing the lines still in it.)
     */
    private Report runAndKill(Path dir, long segmentBytes, long window, int killAfterLines) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path stdout = tmp.resolve(dir.getFileName() + ".stdout");
        Path stderr = tmp.resolve(dir.getFileName() + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xmx128m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), SpoolCrashChild.class.getName(),
                dir.toString(), Long.toString(Long.MAX_VALUE), Long.toString(segmentBytes), Long.toString(window));
        builder.redirectOutput(stdout.toFile());
        builder.redirectError(stderr.toFile());
        Process child = builder.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (RandomAccessFile out = new RandomAccessFile(stdout.toFile(), "r")) {
                int lines = 0;
                boolean lockChecked = false;
                byte[] buffer = new byte[8192];
                while (lines < killAfterLines && child.isAlive() && System.nanoTime() < deadline) {
                    int read = out.read(buffer);
                    if (read <= 0) {
                        Thread.sleep(2);
                        continue;
                    }
                    for (int i = 0; i < read; i++) {
                        if (buffer[i] == '\n') {
                            lines++;
                        }
                    }
                    if (!lockChecked) {
                        // the child holds the directory: another process cannot open it
                        IOException e = assertThrows(IOException.class, () -> DiskSpool.open(dir, Sync.WRITE));
                        assertTrue(e.getMessage().contains("already in use") && e.getMessage().contains(dir.toString()),
                                e.getMessage());
                        lockChecked = true;
                    }
                }
            }
            child.destroyForcibly(); // SIGKILL, in the middle of appending
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child died");
        }
        Report report = new Report();
        byte[] all = Files.readAllBytes(stdout);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue; // a line cut by the kill (no newline) is not a report
            }
            String text = new String(all, start, i - start, StandardCharsets.US_ASCII);
            start = i + 1;
            long n = Long.parseLong(text.substring(2));
            if (text.startsWith("a ")) {
                assertEquals(report.lastAccepted + 1, n, "accepted in order");
                report.lastAccepted = n;
            } else {
                assertEquals(report.lastRemoved + 1, n, "removed in order");
                report.lastRemoved = n;
            }
            report.lines++;
        }
        assertTrue(report.lines >= killAfterLines,
                "the child reported only " + report.lines + " lines; its stderr:\n" + Files.readString(stderr));
        assertTrue(child.exitValue() != 0, "killed, not finished");
        return report;
    }

    private static void verify(Path dir, Report report, long window) throws IOException {
        try (DiskSpool spool = DiskSpool.open(dir, Sync.WRITE)) {
            List<Long> present = new ArrayList<>();
            for (SpooledMessage m = spool.next(); m != null; m = spool.next()) {
                long n = m.sequence();
                assertEquals(SpoolCrashChild.topic(n), m.topic());
                assertArrayEquals(SpoolCrashChild.payload(n), m.payload(), "payload of " + n);
                present.add(n);
            }
            assertEquals(present.size(), spool.size());
            assertTrue(!present.isEmpty(), "entries present");
            long first = present.get(0);
            long last = present.get(present.size() - 1);
            for (int i = 0; i < present.size(); i++) {
                assertEquals(first + i, present.get(i), "in order, no gap");
            }
            assertTrue(last >= report.lastAccepted,
                    "every accepted entry is present: last present " + last + ", last accepted " + report.lastAccepted);
            if (window == 0) {
                assertEquals(0, first);
            } else {
                // the head is persisted by remove() before the child reports it
                assertTrue(first > report.lastRemoved && first <= report.lastRemoved + 2,
                        "first present " + first + ", last removed " + report.lastRemoved);
            }
            SpooledMessage after = spool.append(SpoolCrashChild.topic(last + 1), SpoolCrashChild.payload(last + 1), 1, false);
            assertNotNull(after);
            assertEquals(last + 1, after.sequence(), "appends continue after the recovered entries");
        }
    }
}
