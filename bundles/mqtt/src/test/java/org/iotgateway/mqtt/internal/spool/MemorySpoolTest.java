package org.iotgateway.mqtt.internal.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class MemorySpoolTest extends SpoolContractTest {

    @Override
    Spool createSpool() {
        return new MemorySpool();
    }

    @Test
    void keepsThePayloadArrayWithoutCopying() throws IOException {
        byte[] payload = {1, 2, 3};
        spool.append("t", payload, 0, false);
        assertSame(payload, spool.next().payload());
    }

    @Test
    void longHeadOfLineBlockingStillReleasesInOrder() throws IOException {
        // the oldest entry stays unacknowledged while many later ones are acknowledged
        for (int i = 0; i < 100_000; i++) {
            append(i);
        }
        for (int i = 1; i < 100_000; i++) {
            spool.remove(i);
        }
        assertEquals(1, spool.size());
        spool.rewind();
        assertEntry(0, spool.next());
        assertNull(spool.next());
        assertEquals(0, spool.removeOldest());
        assertEquals(0, spool.size());
        append(100_000);
        assertEntry(100_000, spool.next());
    }
}
