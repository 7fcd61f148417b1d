package org.iotgateway.mqtt.internal.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.iotgateway.mqtt.internal.spool.DiskSpool.Sync;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a disk spool does: persistence, recovery from crashes and corruption, files. */
class DiskSpoolTest {

    @TempDir
    Path tmp;

    private final List<DiskSpool> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (DiskSpool spool : opened) {
            spool.close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // helpers

    private DiskSpool open(Path dir) throws IOException {
        return open(dir, DiskSpool.DEFAULT_SEGMENT_BYTES);
    }

    private DiskSpool open(Path dir, long segmentBytes) throws IOException {
        DiskSpool spool = DiskSpool.open(dir, Sync.WRITE, segmentBytes);
        opened.add(spool);
        return spool;
    }

    private DiskSpool openUncached(Path dir) throws IOException {
        DiskSpool spool = DiskSpool.open(dir, Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES, 0, SpoolFile::open);
        opened.add(spool);
        return spool;
    }

    private static byte[] payload(long i) {
        return ("payload-" + i + "-" + "x".repeat((int) (i % 50))).getBytes(UTF_8);
    }

    private static String topic(long i) {
        return "plant/line-" + (i % 5) + "/temp";
    }

    private static SpooledMessage append(Spool spool, long i) throws IOException {
        return spool.append(topic(i), payload(i), (int) (i % 2), i % 4 == 0);
    }

    private static void appendRange(Spool spool, long from, long toExclusive) throws IOException {
        for (long i = from; i < toExclusive; i++) {
            SpooledMessage m = append(spool, i);
            assertEquals(i, m.sequence(), "in these tests the sequence number is the entry number");
        }
    }

    /** Reads the spool from its oldest entry and checks each entry is entry {@code seq} with its data. */
    private static List<Long> readAll(Spool spool) throws IOException {
        spool.rewind();
        List<Long> seen = new ArrayList<>();
        for (SpooledMessage m = spool.next(); m != null; m = spool.next()) {
            assertEquals(topic(m.sequence()), m.topic(), "topic of " + m.sequence());
            assertArrayEquals(payload(m.sequence()), m.payload(), "payload of " + m.sequence());
            assertEquals((int) (m.sequence() % 2), m.qos(), "qos of " + m.sequence());
            assertEquals(m.sequence() % 4 == 0, m.retain(), "retain of " + m.sequence());
            seen.add(m.sequence());
        }
        assertEquals(seen.size(), spool.size(), "size() counts what next() returns");
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

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> list = new ArrayList<>(a);
        list.addAll(b);
        return list;
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().collect(Collectors.toList());
        }
    }

    private static Path lastSegment(Path dir) throws IOException {
        List<Path> files = segmentFiles(dir);
        return files.get(files.size() - 1);
    }

    /**
     * Copies a spool directory, except its lock file, as it is right now. Taken while the spool is
     * open, the copy is exactly what a {@code kill -9} at this moment leaves behind: every append
     * and head update reached the operating system with a write system call, and close() has not
     * run.
     */
    private static Path snapshot(Path dir, Path copy) throws IOException {
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.collect(Collectors.toList())) {
                if (!file.getFileName().toString().equals(DiskSpool.LOCK_FILE)) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
        }
        return copy;
    }

    private static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    private static void flipBit(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x10);
        }
    }

    /**
     * Appends entries (all into one segment) and returns the segment's size before each entry and
     * after the last, that is where each record starts, and where the last one ends.
     */
    private static List<Long> appendTracking(DiskSpool spool, Path dir, long from, long toExclusive) throws IOException {
        List<Long> offsets = new ArrayList<>();
        for (long i = from; i < toExclusive; i++) {
            offsets.add(segmentFiles(dir).isEmpty() ? RecordFormat.SEGMENT_HEADER_BYTES : Files.size(lastSegment(dir)));
            append(spool, i);
        }
        offsets.add(Files.size(lastSegment(dir)));
        assertEquals(1, segmentFiles(dir).size());
        return offsets;
    }

    // ---------------------------------------------------------------------------------------
    // persistence

    @Test
    void reopenAfterCloseKeepsEntriesNotRemovedInOrderWithTheirData() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 100);
        for (long i = 0; i < 10; i++) {
            spool.remove(i);
        }
        spool.close();

        DiskSpool reopened = open(dir);
        assertEquals(90, reopened.size());
        assertEquals(range(10, 100), readAll(reopened));
        assertEquals(100, append(reopened, 100).sequence(), "sequence numbers continue");
        reopened.close();

        assertEquals(range(10, 101), readAll(open(dir)));
    }

    @Test
    void entriesRemovedOutOfOrderAheadOfTheHeadComeAgainAfterARestart() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 10);
        for (long i : new long[] {0, 1, 2, 5, 7}) {
            spool.remove(i);
        }
        assertEquals(5, spool.size());
        spool.close();

        DiskSpool reopened = open(dir);
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L), readAll(reopened), "at least once: 5 and 7 again");
    }

    @Test
    void sequenceNumbersContinueAfterEverythingWasRemoved() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 1024);
        appendRange(spool, 0, 50);
        for (long i = 0; i < 50; i++) {
            spool.remove(i);
        }
        assertEquals(1, segmentFiles(dir).size(), "acknowledged segments deleted");
        spool.close();

        DiskSpool reopened = open(dir, 1024);
        assertEquals(0, reopened.size());
        assertNull(reopened.next());
        assertEquals(50, append(reopened, 50).sequence());
    }

    @Test
    void reopenAfterACrashKeepsEverythingNotRemoved() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 2048);
        appendRange(spool, 0, 200);
        for (long i = 0; i < 40; i++) {
            spool.remove(i);
        }
        spool.remove(60); // out of order: not persisted, comes again
        Path crashed = snapshot(dir, tmp.resolve("crashed"));

        DiskSpool recovered = open(crashed, 2048);
        assertEquals(range(40, 200), readAll(recovered));
        assertEquals(0, recovered.recovery.truncatedTails);
        appendRange(recovered, 200, 210);
        recovered.close();
        assertEquals(range(40, 210), readAll(open(crashed, 2048)));
    }

    @Test
    void fsyncModeKeepsEntriesAcrossReopen() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = DiskSpool.open(dir, Sync.FSYNC, 1024);
        appendRange(spool, 0, 30);
        spool.remove(0);
        spool.close();
        DiskSpool reopened = DiskSpool.open(dir, Sync.FSYNC, 1024);
        opened.add(reopened);
        assertEquals(range(1, 30), readAll(reopened));
    }

    // ---------------------------------------------------------------------------------------
    // recovery from damaged files

    @Test
    void truncatedTailAtEveryByteOfTheLastRecord() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 5);
        List<Long> offsets = appendTracking(spool, dir, 5, 6);
        spool.close();
        long lastStart = offsets.get(0);
        long fileEnd = offsets.get(1);
        assertTrue(fileEnd - lastStart > 40);

        for (long cut = lastStart; cut < fileEnd; cut++) {
            Path copy = snapshot(dir, tmp.resolve("cut-" + cut));
            truncate(lastSegment(copy), cut);

            DiskSpool recovered = open(copy);
            assertEquals(range(0, 5), readAll(recovered), "cut at " + cut);
            assertEquals(cut == lastStart ? 0 : 1, recovered.recovery.truncatedTails, "cut at " + cut);
            assertEquals(lastStart, Files.size(lastSegment(copy)), "truncated to the last good record");
            assertEquals(5, append(recovered, 5).sequence());
            appendRange(recovered, 6, 8);
            recovered.close();

            DiskSpool again = open(copy);
            assertEquals(range(0, 8), readAll(again), "cut at " + cut + ", after another reopen");
            assertEquals(0, again.recovery.truncatedTails);
            again.close();
        }
    }

    @Test
    void truncatedHeaderOfANewSegment() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 512);
        appendRange(spool, 0, 20);
        spool.close();
        int segments = segmentFiles(dir).size();
        assertTrue(segments > 1);
        // a crash right after a new segment file was created
        for (int length = 0; length < RecordFormat.SEGMENT_HEADER_BYTES; length++) {
            Path copy = snapshot(dir, tmp.resolve("header-" + length));
            Path fresh = copy.resolve(RecordFormat.segmentName(20));
            Files.write(fresh, new byte[] {0x49, 0x47, 0x53, 0x50, 0, 0, 0, 1}, StandardOpenOption.CREATE_NEW);
            truncate(fresh, length);

            DiskSpool recovered = open(copy, 512);
            assertEquals(range(0, 20), readAll(recovered));
            appendRange(recovered, 20, 25);
            recovered.close();
            assertEquals(range(0, 25), readAll(open(copy, 512)));
        }
    }

    @Test
    void garbageAfterTheLastRecordIsDropped() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 10);
        spool.close();
        long size = Files.size(lastSegment(dir));
        byte[] garbage = new byte[1000];
        new Random(5).nextBytes(garbage);
        Files.write(lastSegment(dir), garbage, StandardOpenOption.APPEND);

        DiskSpool recovered = open(dir);
        assertEquals(range(0, 10), readAll(recovered));
        assertEquals(1, recovered.recovery.truncatedTails);
        assertEquals(1000, recovered.recovery.droppedBytes);
        assertEquals(size, Files.size(lastSegment(dir)));
        appendRange(recovered, 10, 12);
        recovered.close();
        DiskSpool again = open(dir);
        assertEquals(range(0, 12), readAll(again));
        assertEquals(0, again.recovery.truncatedTails);
    }

    @Test
    void zeroesAndAbsurdLengthsAfterTheLastRecordAreDropped() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 3);
        spool.close();
        // a record header claiming 2 GB, then one claiming 16 MB with a plausible start, then zeroes
        byte[] tail = new byte[4096];
        RecordFormat.putInt(tail, 0, Integer.MAX_VALUE);
        RecordFormat.putInt(tail, 100, 16 << 20);
        RecordFormat.putInt(tail, 200, RecordFormat.MAX_BODY_BYTES);
        RecordFormat.putInt(tail, 300, -5);
        Files.write(lastSegment(dir), tail, StandardOpenOption.APPEND);

        DiskSpool recovered = open(dir);
        assertEquals(range(0, 3), readAll(recovered));
        assertEquals(4096, recovered.recovery.droppedBytes);
        appendRange(recovered, 3, 4);
        recovered.close();
        assertEquals(range(0, 4), readAll(open(dir)));
    }

    @Test
    void bitFlipInARecordPayloadLosesOnlyThatRecord() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        List<Long> offsets = appendTracking(spool, dir, 0, 10);
        spool.close();
        long record4 = offsets.get(4);
        flipBit(lastSegment(dir), record4 + (offsets.get(5) - record4) - 3); // inside the payload

        DiskSpool recovered = open(dir);
        List<Long> expected = concat(range(0, 4), range(5, 10));
        assertEquals(expected, readAll(recovered));
        assertEquals(9, recovered.size());
        assertEquals(1, recovered.recovery.corruptRegions);
        assertEquals(0, recovered.recovery.truncatedTails);
        appendRange(recovered, 10, 12);
        recovered.close();

        DiskSpool again = open(dir);
        assertEquals(concat(expected, range(10, 12)), readAll(again));
        for (long i = 0; i < 4; i++) {
            again.remove(i);
        }
        assertEquals(range(5, 12), readAll(again), "the head moves over the lost entry");
        again.close();
        assertEquals(range(5, 12), readAll(open(dir)));
    }

    @Test
    void bitFlipInALengthFieldLosesOnlyThatRecord() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        List<Long> offsets = appendTracking(spool, dir, 0, 10);
        spool.close();
        flipBit(lastSegment(dir), offsets.get(6) + 2); // the length field's third byte: +4096 bytes

        DiskSpool recovered = open(dir);
        assertEquals(concat(range(0, 6), range(7, 10)), readAll(recovered));
        assertEquals(1, recovered.recovery.corruptRegions);
    }

    @Test
    void corruptionInTheMiddleOfAnOlderSegment() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 1024);
        appendRange(spool, 0, 60);
        spool.close();
        List<Path> files = segmentFiles(dir);
        assertTrue(files.size() >= 4);
        Path second = files.get(1);
        flipBit(second, RecordFormat.SEGMENT_HEADER_BYTES + 30); // the first record of the second segment
        long firstOfSecond = Long.parseLong(second.getFileName().toString().substring(0, 20));

        DiskSpool recovered = open(dir, 1024);
        List<Long> expected = concat(range(0, firstOfSecond), range(firstOfSecond + 1, 60));
        assertEquals(expected, readAll(recovered));
        appendRange(recovered, 60, 70);
        recovered.close();
        assertEquals(concat(expected, range(60, 70)), readAll(open(dir, 1024)));
    }

    @Test
    void corruptionNoticedWhileReadingIsSkippedAndCounted() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = openUncached(dir);
        List<Long> offsets = appendTracking(spool, dir, 0, 10);
        flipBit(lastSegment(dir), offsets.get(3) + 20); // damaged after it was appended
        assertEquals(10, spool.size());
        assertEquals(concat(range(0, 3), range(4, 10)), readAll(spool));
        assertEquals(9, spool.size());
        for (long i = 0; i < 3; i++) {
            spool.remove(i);
        }
        assertEquals(6, spool.size());
        assertEquals(4, spool.removeOldest(), "the head moved over the lost entry");
        assertEquals(5, spool.removeOldest());
    }

    @Test
    void unknownSegmentHeaderIsSetAside() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 1024);
        appendRange(spool, 0, 40);
        spool.close();
        List<Path> files = segmentFiles(dir);
        Path second = files.get(1);
        long firstOfSecond = Long.parseLong(second.getFileName().toString().substring(0, 20));
        long firstOfThird = Long.parseLong(files.get(2).getFileName().toString().substring(0, 20));
        flipBit(second, 0);

        DiskSpool recovered = open(dir, 1024);
        assertEquals(1, recovered.recovery.segmentsSetAside);
        assertTrue(Files.exists(dir.resolve(second.getFileName() + ".corrupt")));
        assertEquals(concat(range(0, firstOfSecond), range(firstOfThird, 40)), readAll(recovered));
    }

    @Test
    void corruptHeadFileFallsBackToReplayingEverything() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 10);
        for (long i = 0; i < 5; i++) {
            spool.remove(i);
        }
        spool.close();
        Files.write(dir.resolve(DiskSpool.HEAD_FILE), "not a head file at all".getBytes(UTF_8));

        DiskSpool recovered = open(dir);
        assertTrue(recovered.recovery.headFallback);
        assertEquals(range(0, 10), readAll(recovered), "duplicates, no loss");
        recovered.remove(0);
        recovered.close();
        DiskSpool again = open(dir);
        assertFalse(again.recovery.headFallback, "head file repaired");
        assertEquals(range(1, 10), readAll(again));
    }

    @Test
    void missingOrTruncatedHeadFileFallsBackToReplayingEverything() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 10);
        for (long i = 0; i < 5; i++) {
            spool.remove(i);
        }
        spool.close();
        Path head = dir.resolve(DiskSpool.HEAD_FILE);

        Path truncated = snapshot(dir, tmp.resolve("truncated"));
        truncate(truncated.resolve(DiskSpool.HEAD_FILE), 11);
        DiskSpool fromTruncated = open(truncated);
        assertTrue(fromTruncated.recovery.headFallback);
        assertEquals(range(0, 10), readAll(fromTruncated));

        Files.delete(head);
        DiskSpool recovered = open(dir);
        assertTrue(recovered.recovery.headFallback);
        assertEquals(range(0, 10), readAll(recovered));
    }

    @Test
    void headFileWithAFlippedBitFallsBackToReplaying() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        appendRange(spool, 0, 10);
        for (long i = 0; i < 5; i++) {
            spool.remove(i);
        }
        spool.close();
        flipBit(dir.resolve(DiskSpool.HEAD_FILE), 15); // the sequence number's low byte: CRC catches it
        DiskSpool recovered = open(dir);
        assertTrue(recovered.recovery.headFallback);
        assertEquals(range(0, 10), readAll(recovered));
    }

    // ---------------------------------------------------------------------------------------
    // segments

    @Test
    void segmentsRotateAndAcknowledgedOnesAreDeleted() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 1024);
        appendRange(spool, 0, 100);
        int segments = segmentFiles(dir).size();
        assertTrue(segments >= 8, "segments: " + segments);
        assertEquals(segments, spool.segmentCount());
        for (Path file : segmentFiles(dir)) {
            assertTrue(Files.size(file) <= 1024, file + " is " + Files.size(file) + " bytes");
        }

        // out-of-order removals far ahead of the head delete nothing
        for (long i = 50; i < 100; i++) {
            spool.remove(i);
        }
        assertEquals(segments, segmentFiles(dir).size());

        for (long i = 0; i < 25; i++) {
            spool.remove(i);
        }
        int afterHalf = segmentFiles(dir).size();
        assertTrue(afterHalf < segments && afterHalf > 1, segments + " -> " + afterHalf);
        for (Path file : segmentFiles(dir).subList(0, 1)) {
            long base = Long.parseLong(file.getFileName().toString().substring(0, 20));
            assertTrue(base <= 25, "the segment holding the head is kept: " + file);
        }
        assertEquals(range(25, 50), readAll(spool));
        spool.close();

        DiskSpool reopened = open(dir, 1024);
        assertEquals(range(25, 100), readAll(reopened), "removals ahead of the head come again");
        for (long i = 25; i < 100; i++) {
            reopened.remove(i);
        }
        assertEquals(1, segmentFiles(dir).size(), "only the segment being appended to is left");
        appendRange(reopened, 100, 103);
        assertEquals(range(100, 103), readAll(reopened));
    }

    @Test
    void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir, 1024);
        byte[] big = new byte[128 * 1024];
        new Random(9).nextBytes(big);
        append(spool, 0);
        spool.append("big", big, 1, false);
        append(spool, 2);
        assertEquals(3, segmentFiles(dir).size());
        spool.close();

        DiskSpool reopened = open(dir, 1024);
        assertEquals(0, reopened.next().sequence());
        assertArrayEquals(big, reopened.next().payload());
        assertEquals(2, reopened.next().sequence());
    }

    @Test
    void largePayloadsAreReadBackFromDisk() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        Random random = new Random(11);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] p = new byte[128 * 1024];
            random.nextBytes(p);
            payloads.add(p);
            spool.append("big/" + i, p, 1, i % 2 == 0);
        }
        spool.close();

        DiskSpool reopened = openUncached(dir);
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < payloads.size(); i++) {
                SpooledMessage m = reopened.next();
                assertEquals("big/" + i, m.topic());
                assertEquals(i % 2 == 0, m.retain());
                assertArrayEquals(payloads.get(i), m.payload());
            }
            assertNull(reopened.next());
            reopened.rewind();
        }
    }

    @Test
    void emptyPayloadsAndUnicodeTopicsSurviveReopen() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        String[] topics = {"caf\u00e9/\u6e29\u5ea6", "\ud83d\ude80/\u0431\u0443\u0440\u044f", "\u00fc", "x".repeat(300)};
        for (String t : topics) {
            spool.append(t, new byte[0], 0, false);
        }
        spool.close();
        DiskSpool reopened = open(dir);
        for (String t : topics) {
            SpooledMessage m = reopened.next();
            assertEquals(t, m.topic());
            assertEquals(0, m.payload().length);
        }
        assertNull(reopened.next());
    }

    @Test
    void rewindAcrossManySegmentsWithASmallCache() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = DiskSpool.open(dir, Sync.WRITE, 4096, 2000, SpoolFile::open);
        opened.add(spool);
        appendRange(spool, 0, 3000);
        Random random = new Random(17);
        long removedUpTo = 0;
        for (int round = 0; round < 20; round++) {
            int take = random.nextInt(500);
            for (int i = 0; i < take && spool.next() != null; i++) {
                // sending
            }
            long ack = random.nextInt(100);
            for (long i = removedUpTo; i < removedUpTo + ack; i++) {
                spool.remove(i);
            }
            removedUpTo += ack;
            spool.rewind();
            SpooledMessage first = spool.next();
            assertNotNull(first);
            assertEquals(removedUpTo, first.sequence());
            assertArrayEquals(payload(removedUpTo), first.payload());
        }
        assertEquals(range(removedUpTo, 3000), readAll(spool));
    }

    /** Random operations and restarts: after a restart, the entries at or after the head are back. */
    @Test
    void randomOperationsAndRestartsLoseNothing() throws IOException {
        Path dir = tmp.resolve("spool");
        Random random = new Random(99);
        DiskSpool spool = DiskSpool.open(dir, Sync.WRITE, 2048, 3000, SpoolFile::open);
        TreeSet<Long> live = new TreeSet<>();
        TreeSet<Long> removed = new TreeSet<>(); // removed since the last restart
        long next = 0;
        long cursor = 0;
        int restarts = 0;
        for (int op = 0; op < 20_000; op++) {
            int r = random.nextInt(1000);
            if (r < 350) {
                append(spool, next);
                live.add(next++);
            } else if (r < 650) {
                SpooledMessage m = spool.next();
                assertEquals(live.ceiling(cursor), m == null ? null : m.sequence());
                if (m != null) {
                    assertArrayEquals(payload(m.sequence()), m.payload());
                    cursor = m.sequence() + 1;
                }
            } else if (r < 900) {
                if (!live.isEmpty()) {
                    long seq = live.first() + random.nextInt(20);
                    spool.remove(seq);
                    if (live.remove(seq)) {
                        removed.add(seq);
                    }
                }
            } else if (r < 950) {
                spool.rewind();
                cursor = 0;
            } else if (r < 997) {
                Long head = live.pollFirst();
                assertEquals(head == null ? -1 : head, spool.removeOldest());
                if (head != null) {
                    removed.add(head);
                }
            } else {
                // restart, after a close or a crash: entries removed ahead of the head come back
                restarts++;
                Path target = dir;
                if (random.nextBoolean()) {
                    target = snapshot(dir, tmp.resolve("crash-" + op));
                }
                spool.close();
                long head = live.isEmpty() ? next : live.first();
                live.addAll(removed.tailSet(head));
                removed.clear();
                spool = DiskSpool.open(target, Sync.WRITE, 2048, 3000, SpoolFile::open);
                dir = target;
                cursor = 0;
                assertEquals(new ArrayList<>(live), readAll(spool), "after restart at op " + op);
            }
            assertEquals(live.size(), spool.size());
        }
        spool.close();
        assertTrue(restarts > 10);
    }

    // ---------------------------------------------------------------------------------------
    // the directory

    @Test
    void aSecondOpenOfTheSameDirectoryFails() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = open(dir);
        IOException e = assertThrows(IOException.class, () -> DiskSpool.open(dir, Sync.WRITE));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("already in use"), e.getMessage());
        append(spool, 0);
        spool.close();

        DiskSpool next = open(dir);
        assertEquals(List.of(0L), readAll(next));
    }

    @Test
    void anUnusableDirectoryFailsWithItsName() throws IOException {
        Path file = Files.write(tmp.resolve("a-file"), new byte[] {1});
        Path dir = file.resolve("spool");
        IOException e = assertThrows(IOException.class, () -> DiskSpool.open(dir, Sync.WRITE));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());

        IOException onFile = assertThrows(IOException.class, () -> DiskSpool.open(file, Sync.FSYNC));
        assertTrue(onFile.getMessage().contains(file.toString()), onFile.getMessage());
    }

    @Test
    void oversizedInputIsRejectedAndNothingIsAdded() throws IOException {
        DiskSpool spool = open(tmp.resolve("spool"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spool.append("t", new byte[RecordFormat.MAX_PAYLOAD_BYTES + 1], 1, false));
        assertTrue(e.getMessage().contains("payload"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> spool.append("t".repeat(70_000), new byte[1], 1, false));
        assertEquals(0, spool.size());
        assertEquals(0, append(spool, 0).sequence());
    }

    @Test
    void invalidSegmentSizeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> DiskSpool.open(tmp.resolve("s"), Sync.WRITE, 10));
        assertThrows(IllegalArgumentException.class, () -> DiskSpool.open(tmp.resolve("s"), Sync.WRITE, 1L << 40));
    }

    @Test
    void closeIsIdempotentAndReleasesTheDirectory() throws IOException {
        Path dir = tmp.resolve("spool");
        DiskSpool spool = DiskSpool.open(dir, Sync.WRITE);
        append(spool, 0);
        spool.close();
        spool.close();
        assertFalse(spool.hasNext());
        assertThrows(IllegalStateException.class, spool::next);
        DiskSpool.open(dir, Sync.WRITE).close();
    }
}
