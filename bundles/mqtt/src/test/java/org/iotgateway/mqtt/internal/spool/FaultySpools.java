package org.iotgateway.mqtt.internal.spool;

import java.io.IOException;
import java.nio.file.Path;

/** Disk spools with injectable I/O failures, for tests outside this package. */
public final class FaultySpools {

    private FaultySpools() {
    }

    /** A switch for the failures of one spool. */
    public static final class DiskFull {
        private final DiskSpoolFaultTest.Faults faults = new DiskSpoolFaultTest.Faults();

        /** From now on every write to a queue segment fails with "No space left on device", and no segment can be created. */
        public void fill() {
            faults.failWritesAfter = 0;
            faults.failCreate = true;
        }

        /** Space is back. */
        public void free() {
            faults.clear();
        }
    }

    /** Opens a disk spool (write-through durability) whose segment I/O fails while {@code disk} is full. */
    public static DiskSpool open(Path dir, DiskFull disk) throws IOException {
        return DiskSpool.open(dir, DiskSpool.Sync.WRITE, DiskSpool.DEFAULT_SEGMENT_BYTES, DiskSpool.DEFAULT_CACHE_BYTES, disk.faults);
    }
}
