package org.iotgateway.mqtt.internal.spool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;

import org.iotgateway.api.UserProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MQTT 5 properties in the spools, and journals written before they existed. */
class Mqtt5SpoolTest {

    @TempDir
    Path dir;

    private static MessageProperties sample() {
        return new MessageProperties(1_700_000_000_123L,
                List.of(UserProperty.of("b", "1"), UserProperty.of("a", "2"), UserProperty.of("b", "1"), UserProperty.of("ü", "✓")),
                "application/json", true, "reply/here", new byte[] { 0, (byte) 0xFF, 7 });
    }

    private static void assertSameProperties(MessageProperties expected, MessageProperties actual) {
        assertEquals(expected.expiresAtMillis(), actual.expiresAtMillis());
        assertEquals(expected.userProperties(), actual.userProperties());
        assertEquals(expected.contentType(), actual.contentType());
        assertEquals(expected.payloadFormatUtf8(), actual.payloadFormatUtf8());
        assertEquals(expected.responseTopic(), actual.responseTopic());
        assertArrayEquals(expected.correlationData(), actual.correlationData());
    }

    @Test
    void theDiskSpoolKeepsPropertiesAcrossAReopenAndMixesWithPlainRecords() throws Exception {
        try (DiskSpool spool = DiskSpool.open(dir, DiskSpool.Sync.WRITE)) {
            spool.append("plain", "p".getBytes(UTF_8), 1, false);
            spool.append("with", "w".getBytes(UTF_8), 1, true, sample());
            spool.append("only-expiry", new byte[0], 0, false,
                    new MessageProperties(5, List.of(), null, false, null, null));
        }
        try (DiskSpool spool = DiskSpool.open(dir, DiskSpool.Sync.WRITE)) {
            SpooledMessage plain = spool.next();
            assertEquals("plain", plain.topic());
            assertNull(plain.properties());
            SpooledMessage with = spool.next();
            assertEquals("with", with.topic());
            assertTrue(with.retain());
            assertArrayEquals("w".getBytes(UTF_8), with.payload());
            assertSameProperties(sample(), with.properties());
            SpooledMessage expiry = spool.next();
            assertEquals(5, expiry.properties().expiresAtMillis());
            assertTrue(expiry.properties().userProperties().isEmpty());
            assertNull(spool.next());
        }
    }

    @Test
    void aJournalWrittenBeforeMqtt5IsReadUnchanged() throws Exception {
        // the first release's format, written byte by byte from its specification
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(file);
        out.writeInt(0x49475350); // 'IGSP'
        out.writeInt(1);
        String[] topics = { "old/one", "old/two" };
        for (int i = 0; i < topics.length; i++) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            DataOutputStream b = new DataOutputStream(body);
            byte[] topic = topics[i].getBytes(UTF_8);
            byte[] payload = ("payload " + i).getBytes(UTF_8);
            b.writeLong(i);
            b.writeByte(1);
            b.writeByte(i == 1 ? 1 : 0); // retain
            b.writeShort(topic.length);
            b.write(topic);
            b.writeInt(payload.length);
            b.write(payload);
            byte[] bytes = body.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(bytes);
            out.writeInt(bytes.length);
            out.writeInt((int) crc.getValue());
            out.write(bytes);
        }
        Files.write(dir.resolve(RecordFormat.segmentName(0)), file.toByteArray());
        try (DiskSpool spool = DiskSpool.open(dir, DiskSpool.Sync.WRITE)) {
            assertEquals(2, spool.size());
            SpooledMessage first = spool.next();
            assertEquals("old/one", first.topic());
            assertEquals("payload 0", new String(first.payload(), UTF_8));
            assertNull(first.properties());
            SpooledMessage second = spool.next();
            assertEquals("old/two", second.topic());
            assertTrue(second.retain());
            assertNull(second.properties());
            // and new records go after them
            spool.append("new", new byte[] { 1 }, 1, false, sample());
            assertSameProperties(sample(), spool.next().properties());
        }
    }

    @Test
    void corruptPropertiesAreNotAcceptedAsARecord() {
        byte[] encoded = sample().encode();
        assertSameProperties(sample(), MessageProperties.decode(encoded, 0, encoded.length));
        assertNull(MessageProperties.decode(encoded, 0, encoded.length - 1), "truncated");
        byte[] unknownTag = encoded.clone();
        unknownTag[0] = 99;
        assertNull(MessageProperties.decode(unknownTag, 0, unknownTag.length));
        byte[] nul = new MessageProperties(-1, List.of(UserProperty.of("k", "v")), null, false, null, null).encode();
        nul[nul.length - 1] = 0; // the value becomes U+0000, which MQTT forbids
        assertNull(MessageProperties.decode(nul, 0, nul.length));
    }

    @Test
    void memorySpoolKeepsTheProperties() throws Exception {
        MemorySpool spool = new MemorySpool();
        spool.append("t", new byte[0], 1, false, sample());
        assertSameProperties(sample(), spool.next().properties());
    }

    @Test
    void oversizedPropertiesAreRefusedByTheDiskSpool() throws Exception {
        List<UserProperty> many = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            many.add(UserProperty.of("k" + i, "v".repeat(60_000)));
        }
        try (DiskSpool spool = DiskSpool.open(dir, DiskSpool.Sync.WRITE)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spool.append("t", new byte[0], 1,
                    false, new MessageProperties(-1, many, null, false, null, null)));
            assertTrue(e.getMessage().contains("MQTT 5 properties"), e.getMessage());
            assertEquals(0, spool.size());
        }
    }
}
