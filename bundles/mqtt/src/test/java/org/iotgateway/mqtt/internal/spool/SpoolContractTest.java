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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Spool} shares, run against each implementation by a subclass.
 */
abstract class SpoolContractTest {

    protected Spool spool;

    /** @return a new, empty spool */
    abstract Spool createSpool() throws IOException;

    @BeforeEach
    void createTheSpool() throws IOException {
        spool = createSpool();
    }

    @AfterEach
    void closeTheSpool() throws IOException {
        spool.close();
    }

    static byte[] payload(long i) {
        return ("payload-" + i).getBytes(UTF_8);
    }

    static String topic(long i) {
        return "gw/" + (i % 7) + "/data";
    }

    /** Appends entry {@code i} (its qos and retain flag derive from {@code i}). */
    SpooledMessage append(long i) throws IOException {
        return spool.append(topic(i), payload(i), (int) (i % 2), i % 3 == 0);
    }

    List<SpooledMessage> appendAll(int count) throws IOException {
        List<SpooledMessage> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            added.add(append(i));
        }
        return added;
    }

    /** Takes entries with next() until it returns null; returns their sequence numbers. */
    List<Long> drain() throws IOException {
        List<Long> seen = new ArrayList<>();
        for (SpooledMessage m = spool.next(); m != null; m = spool.next()) {
            seen.add(m.sequence());
        }
        return seen;
    }

    static List<Long> seqs(long... values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }

    static List<Long> range(long from, long toExclusive) {
        List<Long> list = new ArrayList<>();
        for (long v = from; v < toExclusive; v++) {
            list.add(v);
        }
        return list;
    }

    static void assertEntry(long i, SpooledMessage m) {
        assertNotNull(m, "entry " + i);
        assertEquals(topic(i), m.topic());
        assertArrayEquals(payload(i), m.payload());
        assertEquals((int) (i % 2), m.qos());
        assertEquals(i % 3 == 0, m.retain());
    }

    @Test
    void emptySpool() throws IOException {
        assertEquals(0, spool.size());
        assertFalse(spool.hasNext());
        assertNull(spool.next());
        assertEquals(-1, spool.removeOldest());
        spool.rewind();
        assertNull(spool.next());
    }

    @Test
    void appendAssignsIncreasingSequenceNumbers() throws IOException {
        List<SpooledMessage> added = appendAll(5);
        for (int i = 1; i < added.size(); i++) {
            assertTrue(added.get(i).sequence() > added.get(i - 1).sequence());
        }
        assertEquals(5, spool.size());
    }

    @Test
    void nextReturnsEntriesInFifoOrderWithTheirData() throws IOException {
        List<SpooledMessage> added = appendAll(20);
        for (int i = 0; i < 20; i++) {
            SpooledMessage m = spool.next();
            assertEntry(i, m);
            assertEquals(added.get(i).sequence(), m.sequence());
        }
        assertNull(spool.next());
        assertEquals(20, spool.size(), "next() does not remove");
    }

    @Test
    void nextSeesEntriesAppendedAfterTheCursorReachedTheEnd() throws IOException {
        append(0);
        assertEntry(0, spool.next());
        assertFalse(spool.hasNext());
        assertNull(spool.next());
        append(1);
        assertTrue(spool.hasNext());
        assertEntry(1, spool.next());
        assertNull(spool.next());
    }

    @Test
    void hasNextDoesNotMoveTheCursor() throws IOException {
        appendAll(2);
        assertTrue(spool.hasNext());
        assertTrue(spool.hasNext());
        assertEntry(0, spool.next());
        assertTrue(spool.hasNext());
        assertEntry(1, spool.next());
        assertFalse(spool.hasNext());
    }

    @Test
    void rewindSendsEntriesThatWereSentButNotRemovedAgain() throws IOException {
        List<SpooledMessage> added = appendAll(5);
        assertEquals(range(0, 5), normalize(drain(), added));
        spool.rewind();
        assertEquals(range(0, 5), normalize(drain(), added));
    }

    @Test
    void rewindSkipsRemovedEntries() throws IOException {
        List<SpooledMessage> added = appendAll(6);
        drain();
        spool.remove(added.get(0).sequence());
        spool.remove(added.get(2).sequence());
        spool.remove(added.get(5).sequence());
        spool.rewind();
        assertEquals(seqs(1, 3, 4), normalize(drain(), added));
    }

    @Test
    void rewindInTheMiddleGoesBackToTheOldestEntry() throws IOException {
        List<SpooledMessage> added = appendAll(6);
        spool.next();
        spool.next();
        spool.next();
        spool.remove(added.get(1).sequence());
        spool.rewind();
        assertEquals(seqs(0, 2, 3, 4, 5), normalize(drain(), added));
    }

    @Test
    void outOfOrderRemoves() throws IOException {
        List<SpooledMessage> added = appendAll(10);
        drain();
        spool.remove(added.get(3).sequence());
        spool.remove(added.get(7).sequence());
        spool.remove(added.get(5).sequence());
        assertEquals(7, spool.size());
        spool.rewind();
        assertEquals(seqs(0, 1, 2, 4, 6, 8, 9), normalize(drain(), added));

        spool.remove(added.get(1).sequence());
        spool.remove(added.get(0).sequence());
        spool.remove(added.get(2).sequence());
        assertEquals(4, spool.size());
        spool.rewind();
        SpooledMessage first = spool.next();
        assertEntry(4, first);
        assertEquals(seqs(6, 8, 9), normalize(drain(), added));
        assertEquals(added.get(4).sequence(), spool.removeOldest());
        assertEquals(added.get(6).sequence(), spool.removeOldest());
        assertEquals(2, spool.size());
    }

    @Test
    void removingAnEntryNotYetSentMakesNextSkipIt() throws IOException {
        List<SpooledMessage> added = appendAll(4);
        spool.remove(added.get(1).sequence());
        spool.remove(added.get(0).sequence());
        assertEquals(seqs(2, 3), normalize(drain(), added));
    }

    @Test
    void removingWhatIsNotPresentIsANoOp() throws IOException {
        List<SpooledMessage> added = appendAll(3);
        spool.remove(-1);
        spool.remove(added.get(2).sequence() + 1);
        spool.remove(Long.MAX_VALUE);
        assertEquals(3, spool.size());
        spool.remove(added.get(1).sequence());
        spool.remove(added.get(1).sequence());
        assertEquals(2, spool.size());
        spool.remove(added.get(0).sequence());
        spool.remove(added.get(0).sequence());
        assertEquals(1, spool.size());
        assertEquals(seqs(2), normalize(drain(), added));
    }

    @Test
    void removeOldest() throws IOException {
        List<SpooledMessage> added = appendAll(5);
        spool.remove(added.get(1).sequence());
        assertEquals(added.get(0).sequence(), spool.removeOldest());
        assertEquals(added.get(2).sequence(), spool.removeOldest(), "skips entries removed out of order");
        assertEquals(2, spool.size());
        assertEquals(seqs(3, 4), normalize(drain(), added));
        assertEquals(added.get(3).sequence(), spool.removeOldest());
        assertEquals(added.get(4).sequence(), spool.removeOldest());
        assertEquals(-1, spool.removeOldest());
        assertEquals(0, spool.size());
        assertNull(spool.next());
    }

    @Test
    void removeOldestOfAnEntryBeingReadAhead() throws IOException {
        List<SpooledMessage> added = appendAll(3);
        assertEntry(0, spool.next());
        spool.removeOldest(); // entry 0, already sent
        spool.removeOldest(); // entry 1, not sent yet (DROP_OLDEST under pressure)
        assertEquals(seqs(2), normalize(drain(), added));
        spool.rewind();
        assertEquals(seqs(2), normalize(drain(), added));
    }

    @Test
    void sizeCountsEntriesNotRemoved() throws IOException {
        List<SpooledMessage> added = appendAll(4);
        assertEquals(4, spool.size());
        spool.next();
        assertEquals(4, spool.size());
        spool.remove(added.get(2).sequence());
        assertEquals(3, spool.size());
        spool.remove(added.get(0).sequence());
        assertEquals(2, spool.size());
        spool.removeOldest();
        spool.removeOldest();
        assertEquals(0, spool.size());
        append(4);
        assertEquals(1, spool.size());
    }

    @Test
    void emptyPayloadsAndUnicodeTopics() throws IOException {
        String[] topics = {"caf\u00e9/\u6e29\u5ea6", "\ud83d\ude80/rocket", "a", "plant/\u0394T/\u00fc"};
        for (String t : topics) {
            spool.append(t, new byte[0], 1, true);
        }
        for (String t : topics) {
            SpooledMessage m = spool.next();
            assertEquals(t, m.topic());
            assertEquals(0, m.payload().length);
            assertEquals(1, m.qos());
            assertTrue(m.retain());
        }
        assertNull(spool.next());
    }

    @Test
    void largePayloads() throws IOException {
        Random random = new Random(42);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] p = new byte[128 * 1024 - i];
            random.nextBytes(p);
            payloads.add(p);
            spool.append("big/" + i, p, 1, false);
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < payloads.size(); i++) {
                SpooledMessage m = spool.next();
                assertEquals("big/" + i, m.topic());
                assertArrayEquals(payloads.get(i), m.payload());
            }
            assertNull(spool.next());
            spool.rewind();
        }
    }

    @Test
    void invalidArgumentsAreRejectedAndNothingIsAdded() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> spool.append("t", new byte[1], 2, false));
        assertThrows(IllegalArgumentException.class, () -> spool.append("t", new byte[1], -1, false));
        assertThrows(NullPointerException.class, () -> spool.append(null, new byte[1], 0, false));
        assertThrows(NullPointerException.class, () -> spool.append("t", null, 0, false));
        assertEquals(0, spool.size());
        append(0);
        assertEntry(0, spool.next());
    }

    @Test
    void appendAfterCloseFails() throws IOException {
        spool.close();
        assertThrows(IllegalStateException.class, () -> append(0));
    }

    @Test
    void onlineSteadyState() throws IOException {
        // the common online case: append, send, acknowledge, many times over
        for (int i = 0; i < 20_000; i++) {
            SpooledMessage appended = append(i);
            SpooledMessage sent = spool.next();
            assertEquals(appended.sequence(), sent.sequence());
            if (i % 1000 == 0) {
                assertEntry(i, sent);
            }
            spool.remove(sent.sequence());
        }
        assertEquals(0, spool.size());
        assertNull(spool.next());
    }

    @Test
    void backlogDrainedWithAWindowOfOutOfOrderAcknowledgements() throws IOException {
        int count = 5_000;
        List<SpooledMessage> added = appendAll(count);
        Random random = new Random(7);
        List<Long> inFlight = new ArrayList<>();
        List<Long> delivered = new ArrayList<>();
        while (spool.size() > 0) {
            while (inFlight.size() < 20) {
                SpooledMessage m = spool.next();
                if (m == null) {
                    break;
                }
                inFlight.add(m.sequence());
            }
            long acked = inFlight.remove(random.nextInt(inFlight.size()));
            spool.remove(acked);
            delivered.add(acked);
        }
        assertEquals(count, delivered.size());
        delivered.sort(null);
        List<Long> expected = new ArrayList<>();
        for (SpooledMessage m : added) {
            expected.add(m.sequence());
        }
        assertEquals(expected, delivered);
        assertNull(spool.next());
    }

    /** Random operations against a simple model of the contract. */
    @Test
    void randomOperationsMatchAModel() throws IOException {
        Random random = new Random(1234);
        TreeMap<Long, Long> model = new TreeMap<>(); // sequence -> entry number
        long cursor = Long.MIN_VALUE;
        long number = 0;
        for (int op = 0; op < 30_000; op++) {
            int r = random.nextInt(100);
            if (r < 35) {
                SpooledMessage m = append(number);
                model.put(m.sequence(), number++);
            } else if (r < 65) {
                SpooledMessage m = spool.next();
                Map.Entry<Long, Long> expected = model.ceilingEntry(cursor);
                if (expected == null) {
                    assertNull(m);
                } else {
                    assertEquals(expected.getKey(), m.sequence());
                    assertEntry(expected.getValue(), m);
                    cursor = m.sequence() + 1;
                }
            } else if (r < 85) {
                if (!model.isEmpty()) {
                    // mostly near the head, like acknowledgements of a window
                    List<Long> keys = new ArrayList<>(model.headMap(model.firstKey() + 30).keySet());
                    long seq = keys.get(random.nextInt(keys.size()));
                    spool.remove(seq);
                    model.remove(seq);
                }
            } else if (r < 90) {
                spool.rewind();
                cursor = Long.MIN_VALUE;
            } else if (r < 94) {
                long oldest = spool.removeOldest();
                Map.Entry<Long, Long> expected = model.pollFirstEntry();
                assertEquals(expected == null ? -1 : expected.getKey(), oldest);
            } else if (r < 97) {
                long seq = random.nextInt((int) number + 2) - 1; // present, removed, or never appended
                spool.remove(seq);
                model.remove(seq);
            } else {
                assertEquals(model.ceilingEntry(cursor) != null, spool.hasNext());
            }
            assertEquals(model.size(), spool.size());
        }
    }

    /** Entry numbers (positions in {@code added}) of the given sequence numbers. */
    static List<Long> normalize(List<Long> sequences, List<SpooledMessage> added) {
        Map<Long, Long> numberBySeq = new TreeMap<>();
        for (int i = 0; i < added.size(); i++) {
            numberBySeq.put(added.get(i).sequence(), (long) i);
        }
        List<Long> numbers = new ArrayList<>();
        for (long seq : sequences) {
            numbers.add(numberBySeq.getOrDefault(seq, -1L));
        }
        return numbers;
    }

}
