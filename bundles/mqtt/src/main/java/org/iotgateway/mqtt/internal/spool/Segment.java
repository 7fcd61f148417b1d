package org.iotgateway.mqtt.internal.spool;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One segment file of a {@link DiskSpool}: its open file, the extent of its valid records, and a
 * sparse index (sequence number to file position, one entry per {@value #INDEX_INTERVAL} bytes) so
 * that a rewind reads at most that many bytes before reaching the entry it wants.
 */
final class Segment {

    static final int INDEX_INTERVAL = 64 * 1024;

    /** The first sequence number this segment may hold (from its file name). */
    final long base;
    final Path path;
    final SpoolFile file;
    /** End of the valid records: the next write position. */
    long end;
    /** Sequence numbers of the first and last valid record, -1 while there is none. */
    long firstSeq = -1;
    long lastSeq = -1;
    /** Set when a failed append may have left bytes beyond {@link #end} that could not be truncated yet. */
    boolean dirtyTail;

    private long[] indexSeq = new long[16];
    private long[] indexPos = new long[16];
    private int indexSize;
    private long lastIndexedPos = Long.MIN_VALUE / 2;

    Segment(long base, Path path, SpoolFile file, long end) {
        this.base = base;
        this.path = path;
        this.file = file;
        this.end = end;
    }

    /** Records that a valid record with sequence {@code seq} starts at {@code position}. */
    void added(long seq, long position) {
        if (firstSeq < 0) {
            firstSeq = seq;
        }
        lastSeq = seq;
        if (position - lastIndexedPos >= INDEX_INTERVAL) {
            if (indexSize == indexSeq.length) {
                indexSeq = Arrays.copyOf(indexSeq, indexSize * 2);
                indexPos = Arrays.copyOf(indexPos, indexSize * 2);
            }
            indexSeq[indexSize] = seq;
            indexPos[indexSize] = position;
            indexSize++;
            lastIndexedPos = position;
        }
    }

    /**
     * @return the index of the last index entry whose sequence number is at most {@code seq}, or -1
     */
    int floorIndex(long seq) {
        int lo = 0;
        int hi = indexSize - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (indexSeq[mid] <= seq) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    long indexSeq(int i) {
        return indexSeq[i];
    }

    long indexPos(int i) {
        return indexPos[i];
    }

    String name() {
        return path.getFileName().toString();
    }

    @Override
    public String toString() {
        return name() + "[" + firstSeq + ".." + lastSeq + ", " + end + " bytes]";
    }
}
