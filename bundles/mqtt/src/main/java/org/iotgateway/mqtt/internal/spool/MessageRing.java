package org.iotgateway.mqtt.internal.spool;

import java.util.Arrays;

/**
 * A circular array of messages with consecutive sequence numbers, in the style of
 * {@link java.util.ArrayDeque} (power-of-two capacity, O(1) add at the tail and remove at the
 * head) but with O(1) access by sequence number, which {@code ArrayDeque} does not offer.
 * <p>
 * Slot {@code i} holds the message with sequence {@link #firstSeq()} {@code + i}. A slot may be
 * cleared ({@code null}) to mark its message removed without moving anything.
 */
final class MessageRing {

    private static final int MIN_CAPACITY = 16;
    /** Capacity above which an emptied ring gives its array back. */
    private static final int SHRINK_ABOVE = 1024;

    private SpooledMessage[] slots = new SpooledMessage[MIN_CAPACITY];
    private int head;
    private int size;
    private long firstSeq;

    MessageRing(long firstSeq) {
        this.firstSeq = firstSeq;
    }

    /** @return the sequence number of the first slot (equal to {@link #endSeq()} when empty) */
    long firstSeq() {
        return firstSeq;
    }

    /** @return the sequence number the next {@link #add added} message must have */
    long endSeq() {
        return firstSeq + size;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Appends a message at the tail.
     *
     * @param message a message whose sequence is {@link #endSeq()}
     */
    void add(SpooledMessage message) {
        if (message.sequence() != endSeq()) {
            throw new IllegalArgumentException("expected sequence " + endSeq() + ", got " + message.sequence());
        }
        if (size == slots.length) {
            grow();
        }
        slots[(head + size) & (slots.length - 1)] = message;
        size++;
    }

    /**
     * @param seq a sequence number in {@code [firstSeq(), endSeq())}
     * @return the message in that slot, or {@code null} if the slot was cleared
     */
    SpooledMessage get(long seq) {
        return slots[index(seq)];
    }

    /**
     * Clears a slot (marks its message removed).
     *
     * @param seq a sequence number in {@code [firstSeq(), endSeq())}
     */
    void clear(long seq) {
        slots[index(seq)] = null;
    }

    /** @return the message in the first slot (null if cleared or empty) */
    SpooledMessage first() {
        return size == 0 ? null : slots[head];
    }

    /** Drops the first slot, whatever it holds. */
    void removeFirst() {
        slots[head] = null;
        head = (head + 1) & (slots.length - 1);
        size--;
        firstSeq++;
        if (size == 0 && slots.length > SHRINK_ABOVE) {
            slots = new SpooledMessage[MIN_CAPACITY];
            head = 0;
        }
    }

    /** Empties the ring; the next added message must have sequence {@code firstSeq}. */
    void reset(long newFirstSeq) {
        if (slots.length > SHRINK_ABOVE) {
            slots = new SpooledMessage[MIN_CAPACITY];
        } else {
            Arrays.fill(slots, null);
        }
        head = 0;
        size = 0;
        firstSeq = newFirstSeq;
    }

    private int index(long seq) {
        long offset = seq - firstSeq;
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException("sequence " + seq + " not in [" + firstSeq + ", " + endSeq() + ")");
        }
        return (head + (int) offset) & (slots.length - 1);
    }

    private void grow() {
        int capacity = slots.length << 1;
        if (capacity < 0) {
            throw new IllegalStateException("spool too large");
        }
        SpooledMessage[] bigger = new SpooledMessage[capacity];
        int tail = slots.length - head;
        System.arraycopy(slots, head, bigger, 0, tail);
        System.arraycopy(slots, 0, bigger, tail, head);
        slots = bigger;
        head = 0;
    }
}
