package org.iotgateway.mqtt.internal.spool;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

/** The contract, on disk, with small segments so that rotation and deletion happen all the time. */
class DiskSpoolContractTest extends SpoolContractTest {

    @TempDir
    Path tmp;

    @Override
    Spool createSpool() throws IOException {
        return DiskSpool.open(tmp.resolve("spool"), DiskSpool.Sync.WRITE, 4096);
    }
}
