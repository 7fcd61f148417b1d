package org.iotgateway.mqtt.internal.spool;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

/** The contract, on disk, without the cache of recent entries: every entry is read back from disk. */
class DiskSpoolUncachedContractTest extends SpoolContractTest {

    @TempDir
    Path tmp;

    @Override
    Spool createSpool() throws IOException {
        return DiskSpool.open(tmp.resolve("spool"), DiskSpool.Sync.WRITE, 16 * 1024, 0, SpoolFile::open);
    }
}
