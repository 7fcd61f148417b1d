package org.iotgateway.mqtt.internal.spool;

/**
 * A {@link Spool} in memory: entries live as long as this object, nothing survives a restart.
 * <p>
 * Entries are kept in a circular array indexed by sequence number ({@link MessageRing}, an
 * {@code ArrayDeque} with O(1) access by position). Appending, taking the next entry and
 * removing the head are O(1) with no allocation beyond the entry itself. An entry removed out of
 * order only has its slot cleared; {@link #next()} skips cleared slots, and cleared slots at the
 * head are dropped as soon as the head itself is removed, so memory is released in order.
 * <p>
 * The spool is unbounded; the connection enforces its capacity and overflow policy. Not
 * thread-safe.
 */
public final class MemorySpool implements Spool {

    private final MessageRing ring = new MessageRing(0);
    /** Sequence number of the next appended entry; always {@code ring.endSeq()}. */
    private long nextSeq;
    /** Sequence number of the next candidate for {@link #next()}. */
    private long readSeq;
    /** Entries not removed. */
    private long live;
    private boolean closed;

    /** Creates an empty spool. */
    public MemorySpool() {
    }

    @Override
    public SpooledMessage append(String topic, byte[] payload, int qos, boolean retain, MessageProperties properties) {
        Checks.appendArgs(topic, payload, qos);
        ensureOpen();
        SpooledMessage message = new SpooledMessage(nextSeq, topic, payload, qos, retain, properties);
        ring.add(message);
        nextSeq++;
        live++;
        return message;
    }

    @Override
    public SpooledMessage next() {
        ensureOpen();
        if (readSeq < ring.firstSeq()) {
            readSeq = ring.firstSeq();
        }
        while (readSeq < nextSeq) {
            SpooledMessage message = ring.get(readSeq++);
            if (message != null) {
                return message;
            }
        }
        return null;
    }

    @Override
    public boolean hasNext() {
        if (readSeq < ring.firstSeq()) {
            readSeq = ring.firstSeq();
        }
        // removed entries will never be returned: skipping them now keeps next() O(1) amortized
        while (readSeq < nextSeq && ring.get(readSeq) == null) {
            readSeq++;
        }
        return readSeq < nextSeq;
    }

    @Override
    public void rewind() {
        readSeq = ring.firstSeq();
    }

    @Override
    public void remove(long sequence) {
        if (sequence < ring.firstSeq() || sequence >= nextSeq || ring.get(sequence) == null) {
            return;
        }
        ring.clear(sequence);
        live--;
        while (!ring.isEmpty() && ring.first() == null) {
            ring.removeFirst();
        }
    }

    @Override
    public long removeOldest() {
        SpooledMessage oldest = ring.first();
        if (oldest == null) {
            return -1;
        }
        remove(oldest.sequence());
        return oldest.sequence();
    }

    @Override
    public long size() {
        return live;
    }

    /** Drops all entries; the spool is unusable afterwards. */
    @Override
    public void close() {
        closed = true;
        ring.reset(nextSeq);
        live = 0;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("spool is closed");
        }
    }

    @Override
    public String toString() {
        return "MemorySpool[" + live + " entries]";
    }
}
