package org.iotgateway.mqtt.internal.spool;

import static org.iotgateway.mqtt.internal.spool.RecordFormat.FIXED_BODY_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.HEAD_FILE_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.MAX_PAYLOAD_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.MAX_TOPIC_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.RECORD_HEADER_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.SEGMENT_HEADER_BYTES;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.SEGMENT_MAGIC;
import static org.iotgateway.mqtt.internal.spool.RecordFormat.VERSION;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Spool} on disk: an append-only journal in a directory of its own (one connection's
 * spool is one directory), chosen over an embedded database for a small footprint and failure
 * modes that are easy to reason about.
 *
 * <h2>Files</h2>
 * <ul>
 * <li>{@code NNNNNNNNNNNNNNNNNNNN.seg}: segments named by the first sequence number they may hold,
 * each a header (magic, version) followed by records (length, CRC32, sequence, qos, retain, topic,
 * payload; see {@link RecordFormat}). The newest segment is appended to; a new one is started when
 * a record would take the current one past the segment size. A segment whose entries have all
 * been removed is deleted.</li>
 * <li>{@code spool.head}: the sequence number of the oldest entry not removed, with its own CRC,
 * rewritten in place whenever that entry is removed.</li>
 * <li>{@code spool.lock}: held with an exclusive {@link FileLock} while the spool is open, so two
 * connections or two processes cannot use the same directory.</li>
 * </ul>
 *
 * <h2>Delivery guarantees</h2>
 * An entry is never lost once {@link #append} returned (within the limits of the {@link Sync}
 * mode), but it may be delivered more than once after a restart: only the contiguous head is
 * persisted, so entries removed out of order ahead of the head, and any removal whose head update
 * did not reach the disk, come again. If the head file is missing or corrupt, every entry still in
 * the journal is replayed.
 *
 * <h2>Recovery</h2>
 * {@link #open} validates every record (lengths and CRC). A segment ending in an incomplete or
 * corrupt record (a crash during a write, garbage) is truncated to its last good record, so
 * appends continue cleanly. Corruption in the middle of a segment is skipped by searching forward
 * for the next valid record; only the damaged entries are lost. Both are logged at WARN with the
 * file, the offset and the number of bytes. Corrupt content never makes {@code open} fail.
 *
 * <h2>Memory</h2>
 * Entries are not held in memory: the spool keeps per segment its extent and a sparse position
 * index, the set of entries removed out of order, and a bounded cache of recently appended entries
 * so that the online case (append, then {@link #next()} at once) never reads back from disk. Older
 * entries are read sequentially through a buffered positional reader.
 * <p>
 * Not thread-safe.
 */
public final class DiskSpool implements Spool {

    /** How far {@link DiskSpool#append} goes before it returns. */
    public enum Sync {
        /**
         * Each append is handed to the operating system with one write system call before
         * {@code append} returns. Survives a crash or {@code kill -9} of the JVM; a power loss or
         * kernel crash can lose the appends of the last seconds (whatever the OS had not yet
         * written back). Fast: over a hundred thousand appends per second.
         */
        WRITE,
        /**
         * Additionally forces each append to the storage device (fsync) before returning.
         * Survives power loss, if the storage honours flushes, at the cost of one device flush per
         * append: typically hundreds to a few thousand appends per second, and more wear on flash
         * storage (SD cards, eMMC).
         */
        FSYNC
    }

    /** The default size at which a new segment is started: 8 MB. */
    public static final long DEFAULT_SEGMENT_BYTES = 8L << 20;
    /** Smallest accepted segment size. */
    static final long MIN_SEGMENT_BYTES = 128;
    /** Largest accepted segment size. */
    static final long MAX_SEGMENT_BYTES = 1L << 30;
    /** Default budget of the cache of recently appended entries (payload and topic bytes). */
    static final long DEFAULT_CACHE_BYTES = 4L << 20;

    static final String LOCK_FILE = "spool.lock";
    static final String HEAD_FILE = "spool.head";
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})\\.seg");
    /** Write buffers up to this size are kept between appends. */
    private static final int KEPT_WRITE_BUFFER_BYTES = 64 * 1024;
    /** Accounted per cached entry besides topic and payload. */
    private static final int CACHE_ENTRY_OVERHEAD = 64;

    private static final Logger LOG = LoggerFactory.getLogger(DiskSpool.class);

    private final Path dir;
    private final Sync sync;
    private final long segmentBytes;
    private final long cacheLimit;
    private final SpoolFile.Opener opener;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private SpoolFile headFile;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    /** The last segment, appended to. */
    private Segment active;

    /** Sequence number of the oldest entry not removed, or {@link #nextSeq} when empty. */
    private long headSeq;
    /** Sequence number of the next appended entry. */
    private long nextSeq;
    /**
     * Entries above the head that are not in the spool: removed out of order, or lost to
     * corruption. The number of entries is {@code nextSeq - headSeq - removed.count()}.
     */
    private final SequenceSet removed = new SequenceSet(0);

    /** Recently appended entries, a contiguous range ending at {@link #nextSeq}. */
    private final MessageRing cache = new MessageRing(0);
    private long cacheBytes;

    /** Sequence number of the next candidate for {@link #next()}. */
    private long readSeq;
    /** Disk read position: segment, position in it, sequence number of the record before it. */
    private Segment readSegment;
    private long readPos;
    private long readLastSeq;
    private final RecordReader reader = new RecordReader();

    private final CRC32 crc = new CRC32();
    private byte[] writeBuffer = new byte[4096];
    private final byte[] headBuffer = new byte[HEAD_FILE_BYTES];
    private boolean headWriteFailing;
    private boolean closed;

    /** What {@link #open} found and repaired; for tests and diagnostics. */
    final RecoveryStats recovery = new RecoveryStats();

    private DiskSpool(Path dir, Sync sync, long segmentBytes, long cacheLimit, SpoolFile.Opener opener,
            FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.sync = sync;
        this.segmentBytes = segmentBytes;
        this.cacheLimit = cacheLimit;
        this.opener = opener;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (creating it if needed) the spool in {@code dir} with {@link #DEFAULT_SEGMENT_BYTES 8 MB}
     * segments.
     *
     * @see #open(Path, Sync, long)
     */
    public static DiskSpool open(Path dir, Sync sync) throws IOException {
        return open(dir, sync, DEFAULT_SEGMENT_BYTES);
    }

    /**
     * Opens (creating it if needed) the spool in {@code dir}, recovering what a previous instance
     * left: entries not removed are delivered again, in order. Corrupt content is repaired and
     * logged, never thrown.
     *
     * @param dir          the spool's directory (created if missing), used by this spool only
     * @param sync         how durable an append is when it returns
     * @param segmentBytes the size at which a new segment file is started, 128 bytes to 1 GB
     * @return the open spool, holding the directory's lock until {@link #close()}
     * @throws IOException if the directory cannot be created or used (the message names it), or is
     *                     already in use by another spool in this or another process
     */
    public static DiskSpool open(Path dir, Sync sync, long segmentBytes) throws IOException {
        return open(dir, sync, segmentBytes, DEFAULT_CACHE_BYTES, SpoolFile::open);
    }

    /** As {@link #open(Path, Sync, long)}, with a cache budget and a file opener (tests inject failures). */
    static DiskSpool open(Path dir, Sync sync, long segmentBytes, long cacheBytes, SpoolFile.Opener opener)
            throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(opener, "opener");
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment size must be between " + MIN_SEGMENT_BYTES + " and "
                    + MAX_SEGMENT_BYTES + " bytes, was " + segmentBytes);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("Cannot create spool directory " + dir + ": " + e, e);
        }
        Path lockPath = dir.resolve(LOCK_FILE);
        FileChannel lockChannel;
        try {
            lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("Cannot use spool directory " + dir + ": " + e, e);
        }
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another spool in this JVM
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new IOException("Cannot lock spool directory " + dir + ": " + e, e);
        }
        if (lock == null) {
            closeQuietly(lockChannel);
            throw new IOException("Spool directory " + dir + " is already in use by another connection or process ("
                    + lockPath + " is locked)");
        }
        DiskSpool spool = new DiskSpool(dir, sync, segmentBytes, cacheBytes, opener, lockChannel, lock);
        try {
            spool.recover();
        } catch (IOException | RuntimeException | Error e) {
            spool.closeFiles(null);
            if (e instanceof IOException) {
                throw new IOException("Cannot open spool directory " + dir + ": " + e, e);
            }
            throw e;
        }
        return spool;
    }

    // ------------------------------------------------------------------------------------------
    // Spool

    /**
     * {@inheritDoc}
     * <p>
     * One write system call (plus an fsync in {@link Sync#FSYNC} mode); when the segment is full,
     * a new segment file is created first. If the write fails, whatever part of the record reached
     * the file is truncated away (or, if even that fails, before the next append), so the spool
     * stays consistent and appends work again once space returns.
     *
     * @throws IllegalArgumentException if the payload is larger than 1 MB or the topic longer than
     *                                  65,535 bytes in UTF-8
     */
    @Override
    public SpooledMessage append(String topic, byte[] payload, int qos, boolean retain, MessageProperties properties)
            throws IOException {
        Checks.appendArgs(topic, payload, qos);
        ensureOpen();
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        if (topicBytes.length > MAX_TOPIC_BYTES) {
            throw new IllegalArgumentException("topic is " + topicBytes.length + " bytes in UTF-8, at most "
                    + MAX_TOPIC_BYTES + " are allowed");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("payload is " + payload.length + " bytes, a disk spool holds at most "
                    + MAX_PAYLOAD_BYTES);
        }
        byte[] propertyBytes = properties == null ? null : properties.encode();
        if (propertyBytes != null && propertyBytes.length > MessageProperties.MAX_ENCODED_BYTES) {
            throw new IllegalArgumentException("MQTT 5 properties are " + propertyBytes.length
                    + " bytes encoded, a disk spool holds at most " + MessageProperties.MAX_ENCODED_BYTES);
        }
        int total = RECORD_HEADER_BYTES + FIXED_BODY_BYTES + topicBytes.length + payload.length
                + (propertyBytes == null ? 0 : propertyBytes.length);
        long seq = nextSeq;
        Segment segment = segmentFor(total);
        byte[] out = writeBuffer(total);
        RecordFormat.encode(out, crc, seq, topicBytes, payload, qos, retain, propertyBytes);
        long position = segment.end;
        try {
            if (segment.dirtyTail) {
                segment.file.truncate(position);
                segment.dirtyTail = false;
            }
            segment.file.write(position, out, 0, total);
            if (sync == Sync.FSYNC) {
                segment.file.sync();
            }
        } catch (IOException e) {
            discardTail(segment);
            throw new IOException("Spool " + dir + ": could not append to " + segment.name() + ": " + e.getMessage(), e);
        }
        segment.added(seq, position);
        segment.end = position + total;
        nextSeq = seq + 1;
        SpooledMessage message = new SpooledMessage(seq, topic, payload, qos, retain, properties);
        cacheAdd(message);
        return message;
    }

    @Override
    public SpooledMessage next() throws IOException {
        ensureOpen();
        while (hasNext()) {
            long seq = readSeq;
            if (seq >= cache.firstSeq()) {
                readSeq = seq + 1;
                return cache.get(seq);
            }
            SpooledMessage message = readFromDisk(seq);
            if (message != null) {
                readSeq = message.sequence() + 1;
                return message;
            }
            // nothing on disk from seq up to the cache: the files changed under us
            long to = cache.firstSeq() - 1;
            LOG.warn("Spool {}: entries {} to {} are missing from the segment files; dropping them", dir, seq, to);
            discardLost(seq, to);
        }
        return null;
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            return false;
        }
        if (readSeq < headSeq) {
            readSeq = headSeq;
        }
        // removed entries will never be returned: skipping them now keeps next() O(1) amortized
        while (readSeq < nextSeq && removed.contains(readSeq)) {
            readSeq++;
        }
        return readSeq < nextSeq;
    }

    @Override
    public void rewind() {
        readSeq = headSeq;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Removing the oldest entry rewrites the head file in place (one small write); other removals
     * are only remembered in memory and are undone by a restart (the entries come again).
     */
    @Override
    public void remove(long sequence) {
        if (closed || sequence < headSeq || sequence >= nextSeq) {
            return;
        }
        if (sequence == headSeq) {
            advanceHead();
        } else {
            removed.add(sequence);
        }
    }

    @Override
    public long removeOldest() {
        if (closed || size() == 0) {
            return -1;
        }
        long oldest = headSeq;
        advanceHead();
        return oldest;
    }

    @Override
    public long size() {
        return nextSeq - headSeq - removed.count();
    }

    /**
     * Writes and forces the head file, forces the segment being appended to, and releases the
     * files and the directory's lock. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            writeHead();
            headFile.sync();
            if (active != null) {
                active.file.sync();
            }
        } catch (IOException e) {
            failure = e;
        }
        failure = closeFiles(failure);
        segments.clear();
        cache.reset(nextSeq);
        if (failure != null) {
            throw new IOException("Spool " + dir + ": error while closing: " + failure.getMessage(), failure);
        }
    }

    @Override
    public String toString() {
        return "DiskSpool[" + dir + ", " + size() + " entries, " + segments.size() + " segments]";
    }

    /** @return the spool's directory */
    Path directory() {
        return dir;
    }

    /** @return the number of segment files in use */
    int segmentCount() {
        return segments.size();
    }

    // ------------------------------------------------------------------------------------------
    // recovery

    private void recover() throws IOException {
        Path headPath = dir.resolve(HEAD_FILE);
        boolean headExisted = Files.exists(headPath);
        headFile = opener.open(headPath);
        long persistedHead = readHead();
        List<Map.Entry<Long, Path>> files = listSegments();
        if (persistedHead < 0 && !files.isEmpty()) {
            recovery.headFallback = true;
            LOG.warn("Spool {}: head file {} is {}; replaying every entry of {} segment(s), so entries already "
                    + "delivered may be delivered again", dir, HEAD_FILE, headExisted ? "corrupt" : "missing", files.size());
        }
        long prevSeq = -1;
        boolean haveHead = false;
        for (int i = 0; i < files.size(); i++) {
            long base = files.get(i).getKey();
            long maxSeq = i + 1 < files.size() ? files.get(i + 1).getKey() - 1 : Long.MAX_VALUE;
            Segment segment = openSegment(base, files.get(i).getValue());
            if (segment == null) {
                continue;
            }
            segments.put(base, segment);
            reader.attach(segment.file);
            long pos = SEGMENT_HEADER_BYTES;
            long limit = segment.end;
            while (true) {
                long minSeq = Math.max(prevSeq + 1, base);
                int status = reader.read(pos, limit, minSeq, maxSeq);
                if (status == RecordReader.END) {
                    break;
                }
                if (status == RecordReader.BAD) {
                    long good = reader.resync(pos + 1, limit, minSeq, maxSeq);
                    if (good < 0) {
                        LOG.warn("Spool {}: segment {} ends with {} bytes of incomplete or corrupt data at offset {} "
                                + "(for example a write cut short by a crash); truncated to its last good record",
                                dir, segment.name(), limit - pos, pos);
                        segment.file.truncate(pos);
                        recovery.truncatedTails++;
                        recovery.droppedBytes += limit - pos;
                        limit = pos;
                        break;
                    }
                    long lostTo = reader.seq() - 1;
                    if (persistedHead >= 0 && lostTo < persistedHead) {
                        LOG.warn("Spool {}: segment {} has {} bytes of corrupt data at offset {}, skipped; the entries "
                                + "in it ({} to {}) had been delivered already", dir, segment.name(), good - pos, pos,
                                minSeq, lostTo);
                    } else {
                        LOG.warn("Spool {}: segment {} has {} bytes of corrupt data at offset {}, skipped; entries {} "
                                + "to {} are lost", dir, segment.name(), good - pos, pos,
                                Math.max(minSeq, persistedHead), lostTo);
                    }
                    recovery.corruptRegions++;
                    recovery.skippedBytes += good - pos;
                    pos = good;
                }
                long seq = reader.seq();
                if (!haveHead) {
                    if (persistedHead < 0 || seq >= persistedHead) {
                        haveHead = true;
                        headSeq = seq;
                        removed.reset(seq);
                    }
                } else {
                    for (long missing = prevSeq + 1; missing < seq; missing++) {
                        removed.add(missing); // lost to corruption: not in the spool
                    }
                }
                prevSeq = seq;
                segment.added(seq, pos);
                pos += reader.recordBytes();
            }
            segment.end = limit;
        }
        nextSeq = Math.max(prevSeq + 1, Math.max(persistedHead, 0));
        if (!haveHead) {
            headSeq = nextSeq;
            removed.reset(nextSeq);
        }
        if (!segments.isEmpty()) {
            Segment last = segments.lastEntry().getValue();
            if (last.lastSeq < 0 && last.base > nextSeq) {
                // empty, and named after sequence numbers we will not reach: start afresh
                segments.pollLastEntry();
                deleteSegmentFile(last);
            }
        }
        active = segments.isEmpty() ? null : segments.lastEntry().getValue();
        cache.reset(nextSeq);
        readSeq = headSeq;
        if (persistedHead != headSeq) {
            writeHead();
        }
        deleteAckedSegments();
        LOG.info("Spool {} opened: {} entries pending in {} segment(s), sync {}", dir, size(), segments.size(), sync);
    }

    /** @return the persisted head, or -1 if the head file is empty, short or corrupt */
    private long readHead() throws IOException {
        if (headFile.size() < HEAD_FILE_BYTES) {
            return -1;
        }
        int done = 0;
        while (done < HEAD_FILE_BYTES) {
            int read = headFile.read(done, headBuffer, done, HEAD_FILE_BYTES - done);
            if (read < 0) {
                return -1;
            }
            done += read;
        }
        return RecordFormat.decodeHead(headBuffer, crc);
    }

    private List<Map.Entry<Long, Path>> listSegments() throws IOException {
        List<Map.Entry<Long, Path>> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                Matcher matcher = SEGMENT_FILE.matcher(path.getFileName().toString());
                if (!matcher.matches() || !Files.isRegularFile(path)) {
                    continue;
                }
                try {
                    files.add(Map.entry(Long.parseLong(matcher.group(1)), path));
                } catch (NumberFormatException e) {
                    LOG.warn("Spool {}: ignoring {}, its name is not a valid sequence number", dir, path.getFileName());
                }
            }
        }
        files.sort(Map.Entry.comparingByKey());
        return files;
    }

    /**
     * Opens a segment found on disk and checks its header.
     *
     * @return the segment (its end is the file's size), or null if it has no usable header
     */
    private Segment openSegment(long base, Path path) throws IOException {
        SpoolFile file = opener.open(path);
        long size;
        byte[] header = new byte[SEGMENT_HEADER_BYTES];
        try {
            size = file.size();
            if (size >= SEGMENT_HEADER_BYTES) {
                int done = 0;
                while (done < SEGMENT_HEADER_BYTES) {
                    int read = file.read(done, header, done, SEGMENT_HEADER_BYTES - done);
                    if (read < 0) {
                        throw new IOException("unexpected end of file in " + path);
                    }
                    done += read;
                }
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(file);
            throw e;
        }
        if (size < SEGMENT_HEADER_BYTES) {
            // a crash right after the segment was created: it holds no record
            closeQuietly(file);
            Files.delete(path);
            if (size > 0) {
                LOG.warn("Spool {}: segment {} has an incomplete header ({} bytes); deleted it (it held no entry)",
                        dir, path.getFileName(), size);
                recovery.droppedBytes += size;
            }
            return null;
        }
        int magic = RecordFormat.getInt(header, 0);
        int version = RecordFormat.getInt(header, 4);
        if (magic != SEGMENT_MAGIC || version != VERSION) {
            closeQuietly(file);
            Path aside = path.resolveSibling(path.getFileName() + ".corrupt");
            Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
            LOG.warn("Spool {}: segment {} has an unknown header (magic {}, version {}), {} bytes set aside as {}; "
                    + "its entries are not delivered", dir, path.getFileName(), Integer.toHexString(magic), version,
                    size, aside.getFileName());
            recovery.segmentsSetAside++;
            return null;
        }
        return new Segment(base, path, file, size);
    }

    // ------------------------------------------------------------------------------------------
    // appending

    /** @return the segment to append a record of {@code total} bytes to, starting a new one if needed */
    private Segment segmentFor(int total) throws IOException {
        Segment segment = active;
        if (segment != null && (segment.end == SEGMENT_HEADER_BYTES || segment.end + total <= segmentBytes)) {
            return segment;
        }
        if (segment != null && segment.dirtyTail) {
            discardTail(segment); // best effort; otherwise the next open drops those bytes
        }
        return createSegment(nextSeq);
    }

    private Segment createSegment(long base) throws IOException {
        Path path = dir.resolve(RecordFormat.segmentName(base));
        SpoolFile file = null;
        try {
            file = opener.open(path);
            file.truncate(0); // a leftover of a failed creation, never a segment in use
            byte[] header = new byte[SEGMENT_HEADER_BYTES];
            RecordFormat.putInt(header, 0, SEGMENT_MAGIC);
            RecordFormat.putInt(header, 4, VERSION);
            file.write(0, header, 0, SEGMENT_HEADER_BYTES);
            if (sync == Sync.FSYNC) {
                file.sync();
                syncDirectory();
            }
        } catch (IOException e) {
            if (file != null) {
                closeQuietly(file);
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a later creation of the same segment truncates it
            }
            throw new IOException("Spool " + dir + ": could not create segment " + path.getFileName() + ": "
                    + e.getMessage(), e);
        }
        Segment segment = new Segment(base, path, file, SEGMENT_HEADER_BYTES);
        segments.put(base, segment);
        active = segment;
        deleteAckedSegments();
        return segment;
    }

    /** Removes what a failed append may have written after the segment's last good record. */
    private void discardTail(Segment segment) {
        try {
            segment.file.truncate(segment.end);
            segment.dirtyTail = false;
        } catch (IOException e) {
            segment.dirtyTail = true; // truncated before the next write
        }
    }

    private byte[] writeBuffer(int total) {
        if (total <= writeBuffer.length) {
            return writeBuffer;
        }
        if (total > KEPT_WRITE_BUFFER_BYTES) {
            return new byte[total];
        }
        writeBuffer = new byte[Integer.highestOneBit(total - 1) << 1];
        return writeBuffer;
    }

    private void cacheAdd(SpooledMessage message) {
        long weight = weight(message);
        if (weight > cacheLimit || cache.endSeq() != message.sequence()) {
            cache.reset(message.sequence() + 1);
            cacheBytes = 0;
            return;
        }
        cache.add(message);
        cacheBytes += weight;
        while (cacheBytes > cacheLimit) {
            evictFirst();
        }
    }

    private void evictFirst() {
        cacheBytes -= weight(cache.first());
        cache.removeFirst();
    }

    private static long weight(SpooledMessage message) {
        return message.payload().length + message.topic().length() + CACHE_ENTRY_OVERHEAD;
    }

    private void syncDirectory() {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("Spool {}: cannot fsync the directory: {}", dir, e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------
    // reading

    /**
     * @return the first entry in the journal with a sequence number at or after {@code target} that
     *         is not removed, or null if there is none
     */
    private SpooledMessage readFromDisk(long target) throws IOException {
        seek(target);
        while (true) {
            if (readSegment == null) {
                seek(Math.max(target, headSeq));
                if (readSegment == null) {
                    return null;
                }
            }
            Segment segment = readSegment;
            Map.Entry<Long, Segment> after = segments.higherEntry(segment.base);
            long maxSeq = after != null ? after.getKey() - 1 : nextSeq - 1;
            long minSeq = Math.max(readLastSeq + 1, segment.base);
            int status = reader.read(readPos, segment.end, minSeq, maxSeq);
            if (status == RecordReader.OK) {
                long seq = reader.seq();
                readPos += reader.recordBytes();
                readLastSeq = seq;
                if (seq >= target && seq >= headSeq && !removed.contains(seq)) {
                    return reader.message();
                }
            } else if (status == RecordReader.END) {
                if (after == null) {
                    return null;
                }
                moveTo(after.getValue(), SEGMENT_HEADER_BYTES, after.getKey() - 1);
            } else {
                skipCorruption(segment, minSeq, maxSeq);
            }
        }
    }

    /** Positions the disk reader at or before the first record with sequence {@code target}. */
    private void seek(long target) {
        Map.Entry<Long, Segment> entry = segments.floorEntry(target);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        if (entry == null) {
            readSegment = null;
            return;
        }
        Segment segment = entry.getValue();
        int i = segment.floorIndex(target);
        long pos = i >= 0 ? segment.indexPos(i) : SEGMENT_HEADER_BYTES;
        long lastSeq = i >= 0 ? segment.indexSeq(i) - 1 : segment.base - 1;
        if (readSegment == segment && readLastSeq < target && readPos >= pos) {
            return; // reading forward from here is shorter
        }
        moveTo(segment, pos, lastSeq);
    }

    private void moveTo(Segment segment, long pos, long lastSeq) {
        if (readSegment != segment) {
            reader.attach(segment.file);
        }
        readSegment = segment;
        readPos = pos;
        readLastSeq = lastSeq;
    }

    /**
     * A record that was valid when the spool was opened or appended no longer is (the storage
     * changed under us): skip to the next valid record and drop the entries in between, so the
     * spool neither stalls nor counts entries it cannot deliver.
     */
    private void skipCorruption(Segment segment, long minSeq, long maxSeq) throws IOException {
        long bad = readPos;
        long good = reader.resync(bad + 1, segment.end, minSeq, maxSeq);
        long lostTo = good >= 0 ? reader.seq() - 1 : Math.max(segment.lastSeq, minSeq - 1);
        LOG.warn("Spool {}: segment {} has {} bytes of corrupt data at offset {}; entries {} to {} are lost",
                dir, segment.name(), (good >= 0 ? good : segment.end) - bad, bad, minSeq, lostTo);
        readPos = good >= 0 ? good : segment.end;
        readLastSeq = lostTo;
        discardLost(minSeq, lostTo); // may delete segments, then readSegment is null and we seek again
    }

    // ------------------------------------------------------------------------------------------
    // removing

    /** Removes the entry at the head and moves the head to the next entry not removed. */
    private void advanceHead() {
        long head = headSeq + 1;
        while (head < nextSeq && removed.contains(head)) {
            head++;
        }
        headSeq = head;
        removed.removeBelow(head);
        while (!cache.isEmpty() && cache.firstSeq() < head) {
            evictFirst();
        }
        persistHead();
        if (segments.size() > 1 && segments.firstEntry().getValue().lastSeq < head) {
            deleteAckedSegments();
        }
    }

    /** Drops entries {@code from..to} (inclusive) that are still in the spool. */
    private void discardLost(long from, long to) {
        long first = Math.max(from, headSeq);
        long last = Math.min(to, nextSeq - 1);
        if (first > last) {
            return;
        }
        for (long seq = Math.max(first, headSeq + 1); seq <= last; seq++) {
            removed.add(seq);
        }
        if (first == headSeq) {
            advanceHead();
        }
    }

    private void persistHead() {
        try {
            writeHead();
            if (headWriteFailing) {
                headWriteFailing = false;
                LOG.info("Spool {}: the head file can be written again", dir);
            }
        } catch (IOException e) {
            if (!headWriteFailing) {
                headWriteFailing = true;
                LOG.warn("Spool {}: could not write the head file ({}); after a restart, entries already delivered "
                        + "may be delivered again", dir, e.toString());
            }
        }
    }

    private void writeHead() throws IOException {
        RecordFormat.encodeHead(headBuffer, crc, headSeq);
        headFile.write(0, headBuffer, 0, HEAD_FILE_BYTES);
    }

    /** Deletes the oldest segments while all their entries are removed; never the active one. */
    private void deleteAckedSegments() {
        while (segments.size() > 1) {
            Segment oldest = segments.firstEntry().getValue();
            if (oldest.lastSeq >= headSeq) {
                return;
            }
            segments.pollFirstEntry();
            deleteSegmentFile(oldest);
        }
    }

    private void deleteSegmentFile(Segment segment) {
        if (readSegment == segment) {
            readSegment = null;
        }
        closeQuietly(segment.file);
        try {
            Files.deleteIfExists(segment.path);
            LOG.debug("Spool {}: deleted segment {}", dir, segment.name());
        } catch (IOException e) {
            LOG.warn("Spool {}: could not delete segment {} whose entries are all removed: {}", dir, segment.name(),
                    e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Spool " + dir + " is closed");
        }
    }

    /** Closes every file and releases the lock; returns the first failure (or {@code failure}). */
    private IOException closeFiles(IOException failure) {
        List<Closeable> files = new ArrayList<>();
        for (Segment segment : segments.values()) {
            files.add(segment.file);
        }
        if (headFile != null) {
            files.add(headFile);
        }
        files.add(lock::release);
        files.add(lockChannel);
        for (Closeable file : files) {
            try {
                file.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** What {@link #open} found and repaired. */
    static final class RecoveryStats {
        /** Segments whose end was cut back to the last good record. */
        int truncatedTails;
        /** Bytes removed from segment ends (and incomplete headers). */
        long droppedBytes;
        /** Corrupt regions skipped inside segments. */
        int corruptRegions;
        /** Bytes skipped in those regions. */
        long skippedBytes;
        /** Segments with an unknown header, renamed to {@code *.corrupt}. */
        int segmentsSetAside;
        /** Whether the head file was missing or corrupt, so every entry was replayed. */
        boolean headFallback;

        @Override
        public String toString() {
            return "RecoveryStats[truncatedTails=" + truncatedTails + ", droppedBytes=" + droppedBytes
                    + ", corruptRegions=" + corruptRegions + ", skippedBytes=" + skippedBytes + ", segmentsSetAside="
                    + segmentsSetAside + ", headFallback=" + headFallback + "]";
        }
    }
}
