package org.iotgateway.greengrass.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaStoreTest {

    @TempDir
    Path dir;

    @Test
    void storesTheGroupsCasAndNamesTheFileByContent() throws Exception {
        CaStore store = new CaStore(dir.resolve("ca"));
        Path first = store.store("5b1f-4c2e/../x", List.of("-----BEGIN CERTIFICATE-----\r\nA\r\n-----END CERTIFICATE-----",
                "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----\n"));
        assertEquals(dir.resolve("ca"), first.getParent());
        assertTrue(first.getFileName().toString().startsWith("group-5b1f-4c2e_.._x-"), first.toString());
        assertEquals("-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n"
                + "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----\n", Files.readString(first));
        assertEquals(first, store.store("5b1f-4c2e/../x", List.of("-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----",
                "-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----")));
        Path rotated = store.store("5b1f-4c2e/../x", List.of("-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----"));
        assertNotEquals(first, rotated);
        store.retainOnly(rotated);
        assertFalse(Files.exists(first));
        assertTrue(Files.exists(rotated));
        try (var files = Files.list(dir.resolve("ca"))) {
            assertEquals(1, files.count()); // no temporary files left
        }
        store.deleteAll();
        assertFalse(Files.exists(dir.resolve("ca")));
    }
}
