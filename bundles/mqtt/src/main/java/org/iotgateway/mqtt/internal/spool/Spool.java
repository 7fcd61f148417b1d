package org.iotgateway.mqtt.internal.spool;

import java.io.Closeable;
import java.io.IOException;

/**
 * The ordered store of a connection's accepted publishes, from acceptance until the broker
 * acknowledged them (QoS 1) or they were written (QoS 0). "Accept a publish" and "deliver it" are
 * separate steps: the connection appends, then sends entries in order through a read cursor, and
 * removes each entry once it is acknowledged.
 * <p>
 * Sequence numbers increase in append order and are never reused by an open spool. A spool that
 * survives restarts ({@link DiskSpool}) delivers at least once: after a restart, entries whose
 * removal was not yet recorded on disk (removed out of order, or just before a crash) come again.
 * {@link MemorySpool} keeps entries for the life of the object only.
 * <p>
 * Not thread-safe: the connection calls it under its own lock.
 */
public interface Spool extends Closeable {

    /**
     * Appends a publish at the end. When this returns, the entry is as durable as the spool
     * promises (memory: this process; disk: survives a process kill, or power loss with fsync).
     *
     * @param topic   the topic
     * @param payload the payload (the spool may keep the array; the caller must not modify it)
     * @param qos     0 or 1
     * @param retain  the retain flag
     * @return the entry with its sequence number
     * @throws IOException if it could not be stored (disk full, directory unwritable); nothing was added
     */
    default SpooledMessage append(String topic, byte[] payload, int qos, boolean retain) throws IOException {
        return append(topic, payload, qos, retain, null);
    }

    /**
     * Appends a publish with MQTT 5 properties. See {@link #append(String, byte[], int, boolean)}.
     *
     * @param properties the properties, or {@code null} for none
     * @throws IllegalArgumentException if the encoded properties exceed {@link MessageProperties#MAX_ENCODED_BYTES}
     */
    SpooledMessage append(String topic, byte[] payload, int qos, boolean retain, MessageProperties properties)
            throws IOException;

    /**
     * @return the next entry after the read cursor that has not been removed, advancing the cursor,
     *         or {@code null} when the cursor is at the end
     * @throws IOException if it could not be read
     */
    SpooledMessage next() throws IOException;

    /** @return whether {@link #next()} would return an entry */
    boolean hasNext();

    /**
     * Moves the read cursor back to the oldest entry not yet removed, so entries that were sent but
     * not acknowledged (for example when the connection dropped) are sent again.
     */
    void rewind();

    /**
     * Removes an entry once delivered. Entries may be removed out of order; removing an entry that
     * is not present is a no-op.
     *
     * @param sequence the entry's sequence number
     */
    void remove(long sequence);

    /**
     * Removes the oldest entry (eviction under DROP_OLDEST).
     *
     * @return the sequence number of the removed entry, or -1 if the spool is empty
     */
    long removeOldest();

    /** @return the number of entries not yet removed */
    long size();

    /** Flushes what is buffered and releases files; the spool is unusable afterwards. */
    @Override
    void close() throws IOException;
}
