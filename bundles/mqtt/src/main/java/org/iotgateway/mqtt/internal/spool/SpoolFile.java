package org.iotgateway.mqtt.internal.spool;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * Positional I/O on one file of a {@link DiskSpool}. An interface so that tests can inject
 * failures (disk full, failing fsync); the real implementation is {@link #open}.
 */
interface SpoolFile extends Closeable {

    /** Opens files for a spool; see {@link SpoolFile#open}. */
    @FunctionalInterface
    interface Opener {
        /** Opens a file for reading and writing, creating it (empty) if it does not exist. */
        SpoolFile open(Path path) throws IOException;
    }

    /**
     * Reads up to {@code length} bytes at {@code position}.
     *
     * @return the number of bytes read (at least 1 if {@code length > 0}), or -1 at the end of the file
     */
    int read(long position, byte[] buffer, int offset, int length) throws IOException;

    /** Writes all {@code length} bytes at {@code position} (one write system call for small buffers). */
    void write(long position, byte[] buffer, int offset, int length) throws IOException;

    /** Sets the file's length. */
    void truncate(long length) throws IOException;

    /** Forces written data to the storage device (fsync). */
    void sync() throws IOException;

    /** @return the file's length */
    long size() throws IOException;

    /**
     * Opens a file through {@link RandomAccessFile}, whose reads and writes, unlike
     * {@link java.nio.channels.FileChannel}'s, are not interruptible: a publisher thread that
     * happens to be interrupted while appending cannot close the spool's files under it.
     */
    static SpoolFile open(Path path) throws IOException {
        return new RandomAccessSpoolFile(new RandomAccessFile(path.toFile(), "rw"));
    }

    /** The {@link RandomAccessFile} implementation; remembers the file pointer to skip needless seeks. */
    final class RandomAccessSpoolFile implements SpoolFile {

        private final RandomAccessFile file;
        /** The file pointer, or -1 when unknown. */
        private long pointer;

        RandomAccessSpoolFile(RandomAccessFile file) {
            this.file = file;
        }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) throws IOException {
            seek(position);
            int read;
            try {
                read = file.read(buffer, offset, length);
            } catch (IOException e) {
                pointer = -1;
                throw e;
            }
            if (read > 0) {
                pointer += read;
            }
            return read;
        }

        @Override
        public void write(long position, byte[] buffer, int offset, int length) throws IOException {
            seek(position);
            try {
                file.write(buffer, offset, length);
            } catch (IOException e) {
                pointer = -1;
                throw e;
            }
            pointer += length;
        }

        @Override
        public void truncate(long length) throws IOException {
            pointer = -1;
            file.setLength(length);
        }

        @Override
        public void sync() throws IOException {
            file.getFD().sync();
        }

        @Override
        public long size() throws IOException {
            return file.length();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }

        private void seek(long position) throws IOException {
            if (pointer != position) {
                pointer = -1;
                file.seek(position);
                pointer = position;
            }
        }
    }
}
