package org.iotgateway.mqtt.internal.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

class SequenceSetTest {

    @Test
    void addContainsAndCount() {
        SequenceSet set = new SequenceSet(100);
        assertTrue(set.add(101));
        assertFalse(set.add(101));
        assertTrue(set.add(100 + 64 * 40));
        assertTrue(set.contains(101));
        assertFalse(set.contains(102));
        assertFalse(set.contains(99));
        assertTrue(set.contains(100 + 64 * 40));
        assertEquals(2, set.count());
        assertThrows(IllegalArgumentException.class, () -> set.add(0));
    }

    @Test
    void removeBelowForgetsLowerMembers() {
        SequenceSet set = new SequenceSet(0);
        for (long s = 0; s < 300; s += 3) {
            set.add(s);
        }
        set.removeBelow(100);
        assertEquals(new TreeSet<>(expected(100, 300, 3)).size(), set.count());
        assertFalse(set.contains(99));
        assertTrue(set.contains(102));
        set.removeBelow(1000);
        assertEquals(0, set.count());
        assertTrue(set.add(1000));
        assertTrue(set.contains(1000));
    }

    @Test
    void matchesATreeSetUnderRandomUse() {
        Random random = new Random(3);
        SequenceSet set = new SequenceSet(0);
        TreeSet<Long> model = new TreeSet<>();
        long floor = 0;
        for (int i = 0; i < 200_000; i++) {
            int r = random.nextInt(10);
            if (r < 6) {
                long s = floor + random.nextInt(r == 0 ? 5000 : 200);
                assertEquals(model.add(s), set.add(s));
            } else if (r < 7) {
                floor += random.nextInt(100);
                set.removeBelow(floor);
                model.headSet(floor).clear();
            } else {
                long s = floor - 10 + random.nextInt(300);
                assertEquals(model.contains(s), set.contains(s), "contains " + s);
            }
            assertEquals(model.size(), set.count());
        }
    }

    private static TreeSet<Long> expected(long from, long to, long step) {
        TreeSet<Long> set = new TreeSet<>();
        for (long s = 0; s < to; s += step) {
            if (s >= from) {
                set.add(s);
            }
        }
        return set;
    }
}
