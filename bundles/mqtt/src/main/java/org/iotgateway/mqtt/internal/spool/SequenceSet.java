package org.iotgateway.mqtt.internal.spool;

import java.util.Arrays;

/**
 * A set of sequence numbers at or above a moving floor, stored as a bitmap in a circular array
 * of 64-bit words. Used for entries removed out of order ahead of the spool's head: members are
 * close to the floor, the floor only moves up, and everything below it is forgotten.
 * <p>
 * {@link #add}, {@link #contains} and {@link #count} are O(1); {@link #removeBelow} is O(words
 * dropped). Memory is one bit per sequence number between the floor and the highest member.
 */
final class SequenceSet {

    private long[] words = new long[8];
    /** Index in {@link #words} of the word holding {@link #origin}. */
    private int headWord;
    /** Number of words in use from {@link #headWord}; words not in use are always zero. */
    private int usedWords;
    /** Sequence number of bit 0 of the head word, a multiple of 64. */
    private long origin;
    private int count;

    SequenceSet(long floor) {
        reset(floor);
    }

    /** Empties the set and sets its floor. */
    void reset(long floor) {
        Arrays.fill(words, 0L);
        headWord = 0;
        usedWords = 0;
        origin = floor & ~63L;
        count = 0;
    }

    /** @return the number of members */
    int count() {
        return count;
    }

    boolean contains(long seq) {
        long offset = seq - origin;
        if (offset < 0 || (offset >>> 6) >= usedWords) {
            return false;
        }
        return (words[(headWord + (int) (offset >>> 6)) & (words.length - 1)] & (1L << offset)) != 0;
    }

    /**
     * @param seq a sequence number not below the floor last given to {@link #reset} or
     *            {@link #removeBelow}
     * @return whether it was added (false if already a member)
     */
    boolean add(long seq) {
        long offset = seq - origin;
        if (offset < 0) {
            throw new IllegalArgumentException("sequence " + seq + " below the floor " + origin);
        }
        long word = offset >>> 6;
        if (word >= words.length) {
            grow(word + 1);
        }
        if (word >= usedWords) {
            usedWords = (int) word + 1;
        }
        int i = (headWord + (int) word) & (words.length - 1);
        long bit = 1L << offset;
        if ((words[i] & bit) != 0) {
            return false;
        }
        words[i] |= bit;
        count++;
        return true;
    }

    /** Forgets every member below {@code floor} and makes {@code floor} the new floor. */
    void removeBelow(long floor) {
        while (usedWords > 0 && origin + 64 <= floor) {
            count -= Long.bitCount(words[headWord]);
            words[headWord] = 0L;
            headWord = (headWord + 1) & (words.length - 1);
            usedWords--;
            origin += 64;
        }
        if (usedWords == 0) {
            origin = floor & ~63L;
        } else if (floor > origin) {
            long below = (1L << (floor - origin)) - 1;
            count -= Long.bitCount(words[headWord] & below);
            words[headWord] &= ~below;
        }
    }

    private void grow(long neededWords) {
        if (neededWords > (1 << 28)) {
            throw new IllegalStateException("too many sequence numbers ahead of the floor: " + (neededWords << 6));
        }
        int capacity = Integer.highestOneBit((int) neededWords - 1) << 1;
        long[] bigger = new long[capacity];
        for (int w = 0; w < usedWords; w++) {
            bigger[w] = words[(headWord + w) & (words.length - 1)];
        }
        words = bigger;
        headWord = 0;
    }
}
