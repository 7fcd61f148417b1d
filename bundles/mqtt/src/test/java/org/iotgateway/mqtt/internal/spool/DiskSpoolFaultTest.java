package org.iotgateway.mqtt.internal.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.iotgateway.mqtt.internal.spool.DiskSpool.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * I/O failures while appending (disk full, failing fsync, a directory that became unwritable),
 * injected through the spool's file opener: the failed append adds nothing, the spool stays
 * consistent, and appends work again once the failure is gone.
 */
class DiskSpoolFaultTest {

    @TempDir
    Path tmp;

    private final Faults faults = new Faults();
    private final List<DiskSpool> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        faults.clear();
        for (DiskSpool spool : opened) {
            spool.close();
        }
    }

    /** Failures to inject into segment files. */
    static final class Faults implements SpoolFile.Opener {
        /** Writes to segments write this many bytes, then fail (-1: no failure). */
        int failWritesAfter = -1;
        boolean failTruncate;
        boolean failSync;
        boolean failCreate;
        boolean failHeadWrites;

        void clear() {
            failWritesAfter = -1;
            failTruncate = false;
            failSync = false;
            failCreate = false;
            failHeadWrites = false;
        }

        @Override
        public SpoolFile open(Path path) throws IOException {
            boolean segment = path.getFileName().toString().endsWith(".seg");
            if (segment && failCreate && !Files.exists(path)) {
                throw new IOException(path + ": No space left on device");
            }
            SpoolFile file = SpoolFile.open(path);
            return new SpoolFile() {
                @Override
                public int read(long position, byte[] buffer, int offset, int length) throws IOException {
                    return file.read(position, buffer, offset, length);
                }

                @Override
                public void write(long position, byte[] buffer, int offset, int length) throws IOException {
                    if (!segment && failHeadWrites) {
                        throw new IOException("Input/output error");
                    }
                    if (segment && failWritesAfter >= 0) {
                        file.write(position, buffer, offset, Math.min(length, failWritesAfter));
                        throw new IOException("No space left on device");
                    }
                    file.write(position, buffer, offset, length);
                }

                @Override
                public void truncate(long length) throws IOException {
                    if (segment && failTruncate) {
                        throw new IOException("Read-only file system");
                    }
                    file.truncate(length);
                }

                @Override
                public void sync() throws IOException {
                    if (segment && failSync) {
                        throw new IOException("Input/output error");
                    }
                    file.sync();
                }

                @Override
                public long size() throws IOException {
                    return file.size();
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }
    }

    private DiskSpool open(Path dir, Sync sync, long segmentBytes) throws IOException {
        DiskSpool spool = DiskSpool.open(dir, sync, segmentBytes, DiskSpool.DEFAULT_CACHE_BYTES, faults);
        opened.add(spool);
        return spool;
    }

    private static SpooledMessage append(Spool spool, long i) throws IOException {
        return spool.append("t/" + i, ("p" + i).getBytes(UTF_8), 1, false);
    }

    private static List<Long> readAll(Spool spool) throws IOException {
        spool.rewind();
        List<Long> seen = new ArrayList<>();
        for (SpooledMessage m = spool.next(); m != null; m = spool.next()) {
            assertEquals("t/" + m.sequence(), m.topic());
            assertArrayEquals(("p" + m.sequence()).getBytes(UTF_8), m.payload());
            seen.add(m.sequence());
        }
        assertEquals(seen.size(), spool.size());
        spool.rewind();
        return seen;
    }

    private static List<Long> range(long from, long toExclusive) {
        List<Long> list = new ArrayList<>();
        for (long i = from; i < toExclusive; i++) {
            list.add(i);
        }
        return list;
    }

    private static long segmentBytesOnDisk(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path p : files.filter(p -> p.toString().endsWith(".seg")).collect(Collectors.toList())) {
                total += Files.size(p);
            }
            return total;
        }
    }

    @Test
    void diskFullDuringAnAppendAddsNothingAndLaterAppendsWork() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        for (long i = 0; i < 5; i++) {
            append(spool, i);
        }
        long bytes = segmentBytesOnDisk(dir);
        for (int partial : new int[] {0, 1, 7, 20}) {
            faults.failWritesAfter = partial;
            IOException e = assertThrows(IOException.class, () -> append(spool, 5));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            assertEquals(5, spool.size());
            assertEquals(bytes, segmentBytesOnDisk(dir), "the partial record was truncated away");
        }
        assertEquals(range(0, 5), readAll(spool));
        faults.clear();
        assertEquals(5, append(spool, 5).sequence());
        assertEquals(range(0, 6), readAll(spool));
        spool.close();

        DiskSpool reopened = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        assertEquals(range(0, 6), readAll(reopened));
        assertEquals(0, reopened.recovery.truncatedTails, "nothing to repair");
    }

    @Test
    void aPartialRecordThatCannotBeTruncatedIsOverwrittenOrDroppedOnRecovery() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        for (long i = 0; i < 3; i++) {
            append(spool, i);
        }
        faults.failWritesAfter = 11;
        faults.failTruncate = true;
        assertThrows(IOException.class, () -> append(spool, 3));
        faults.failWritesAfter = -1;
        assertThrows(IOException.class, () -> append(spool, 3), "still cannot truncate: refuses to append");
        assertEquals(range(0, 3), readAll(spool), "the partial record is never read");

        // a crash now leaves the partial record at the end of the segment
        Path crashed = tmp.resolve("crashed");
        Files.createDirectories(crashed);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> !p.endsWith(DiskSpool.LOCK_FILE)).collect(Collectors.toList())) {
                Files.copy(p, crashed.resolve(p.getFileName()));
            }
        }
        DiskSpool recovered = DiskSpool.open(crashed, Sync.WRITE);
        opened.add(recovered);
        assertEquals(range(0, 3), readAll(recovered));
        assertEquals(1, recovered.recovery.truncatedTails);
        assertEquals(11, recovered.recovery.droppedBytes);

        faults.failTruncate = false;
        assertEquals(3, append(spool, 3).sequence());
        spool.close();
        DiskSpool reopened = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        assertEquals(range(0, 4), readAll(reopened));
        assertEquals(0, reopened.recovery.truncatedTails);
    }

    @Test
    void aFailedFsyncFailsTheAppend() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.FSYNC, DiskSpool.DEFAULT_SEGMENT_BYTES);
        append(spool, 0);
        faults.failSync = true;
        assertThrows(IOException.class, () -> append(spool, 1));
        assertEquals(1, spool.size());
        faults.failSync = false;
        assertEquals(1, append(spool, 1).sequence());
        spool.close();
        assertEquals(range(0, 2), readAll(open(dir, Sync.FSYNC, DiskSpool.DEFAULT_SEGMENT_BYTES)));
    }

    @Test
    void aSegmentThatCannotBeCreatedFailsTheAppendOnly() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.WRITE, 256);
        long i = 0;
        while (spool.segmentCount() < 2) {
            append(spool, i++);
        }
        long count = i;
        faults.failCreate = true;
        int failures = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                append(spool, count);
                count++;
            } catch (IOException e) {
                assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
                failures++;
            }
        }
        assertTrue(failures > 0, "the segment filled up and a new one was needed");
        assertEquals(count, spool.size());
        faults.failCreate = false;
        append(spool, count++);
        assertEquals(range(0, count), readAll(spool));
        spool.close();
        assertEquals(range(0, count), readAll(open(dir, Sync.WRITE, 256)));
    }

    @Test
    void aHeadFileThatCannotBeWrittenOnlyCausesDuplicates() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        for (long i = 0; i < 10; i++) {
            append(spool, i);
        }
        spool.remove(0);
        faults.failHeadWrites = true;
        spool.remove(1);
        spool.remove(2);
        assertEquals(range(3, 10), readAll(spool));

        // crash: the head file still says 1
        Path crashed = tmp.resolve("crashed");
        Files.createDirectories(crashed);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> !p.endsWith(DiskSpool.LOCK_FILE)).collect(Collectors.toList())) {
                Files.copy(p, crashed.resolve(p.getFileName()));
            }
        }
        DiskSpool recovered = DiskSpool.open(crashed, Sync.WRITE);
        opened.add(recovered);
        assertEquals(range(1, 10), readAll(recovered));

        faults.failHeadWrites = false;
        spool.remove(3);
        assertEquals(range(4, 10), readAll(spool));
        spool.close();
        assertEquals(range(4, 10), readAll(open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES)));
    }

    @Test
    void aFailedAppendLeavesTheCursorAlone() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES);
        append(spool, 0);
        assertEquals(0, spool.next().sequence());
        faults.failWritesAfter = 3;
        assertThrows(IOException.class, () -> append(spool, 1));
        assertNull(spool.next());
        faults.clear();
        append(spool, 1);
        assertEquals(1, spool.next().sequence());
    }
}
