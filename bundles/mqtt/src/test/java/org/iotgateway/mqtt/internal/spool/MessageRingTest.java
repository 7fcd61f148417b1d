package org.iotgateway.mqtt.internal.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MessageRingTest {

    private static SpooledMessage message(long seq) {
        return new SpooledMessage(seq, "t", new byte[0], 0, false);
    }

    @Test
    void wrapsAroundAndGrowsKeepingOrder() {
        MessageRing ring = new MessageRing(5);
        long next = 5;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < round * 3 + 1; i++) {
                ring.add(message(next++));
            }
            for (int i = 0; i < round * 2; i++) {
                ring.removeFirst();
            }
            for (long s = ring.firstSeq(); s < ring.endSeq(); s++) {
                assertEquals(s, ring.get(s).sequence());
            }
        }
        assertEquals(next, ring.endSeq());
    }

    @Test
    void clearedSlotsReadAsNull() {
        MessageRing ring = new MessageRing(0);
        SpooledMessage m0 = message(0);
        ring.add(m0);
        ring.add(message(1));
        ring.clear(1);
        assertSame(m0, ring.first());
        assertNull(ring.get(1));
        assertThrows(IllegalArgumentException.class, () -> ring.add(message(5)));
        assertThrows(IndexOutOfBoundsException.class, () -> ring.get(2));
    }

    @Test
    void shrinksWhenEmptiedAfterABacklog() {
        MessageRing ring = new MessageRing(0);
        for (int i = 0; i < 100_000; i++) {
            ring.add(message(i));
        }
        while (!ring.isEmpty()) {
            ring.removeFirst();
        }
        assertTrue(ring.isEmpty());
        assertEquals(100_000, ring.firstSeq());
        ring.add(message(100_000));
        assertEquals(100_000, ring.get(100_000).sequence());
    }
}
