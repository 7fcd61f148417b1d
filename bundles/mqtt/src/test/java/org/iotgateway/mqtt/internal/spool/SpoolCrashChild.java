package org.iotgateway.mqtt.internal.spool;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.iotgateway.mqtt.internal.spool.DiskSpool.Sync;

/**
 * Run in a child JVM by {@link DiskSpoolCrashTest}, which kills it with SIGKILL: opens a
 * {@link DiskSpool} in {@link Sync#WRITE} mode, appends entries numbered 0..count-1 and prints
 * {@code a <n>} once the append of entry n returned. With a window argument above zero it also
 * removes entry {@code n - window} after appending entry n, and prints {@code r <n - window>} once
 * that returned, like a connection acknowledging in order.
 * <p>
 * Arguments: directory, count, segment size, window.
 */
public final class SpoolCrashChild {

    private SpoolCrashChild() {
    }

    /** The payload of entry {@code n}: 256 bytes derived from n. */
    static byte[] payload(long n) {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (n * 31 + i);
        }
        return payload;
    }

    static String topic(long n) {
        return "crash/" + (n % 10) + "/" + n;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        long count = Long.parseLong(args[1]);
        long segmentBytes = Long.parseLong(args[2]);
        long window = Long.parseLong(args[3]);
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64);
        try (DiskSpool spool = DiskSpool.open(dir, Sync.WRITE, segmentBytes)) {
            for (long n = 0; n < count; n++) {
                SpooledMessage m = spool.append(topic(n), payload(n), 1, false);
                if (m.sequence() != n) {
                    throw new IllegalStateException("expected sequence " + n + ", got " + m.sequence());
                }
                out.write(("a " + n + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (window > 0 && n >= window) {
                    spool.remove(n - window);
                    out.write(("r " + (n - window) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
        }
    }
}
