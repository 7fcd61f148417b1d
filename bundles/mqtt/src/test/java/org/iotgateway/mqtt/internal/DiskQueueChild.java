package org.iotgateway.mqtt.internal;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.QoS;

/**
 * Child process of {@link DiskQueueKillTest}: opens a connection with a disk queue to a broker that
 * is down, publishes numbered messages and writes each number to a file once publish returned
 * (the message is accepted). The parent kills it with SIGKILL.
 * <p>
 * Arguments: port, queue directory, output file, and optionally how many messages to publish
 * (then it waits, draining at the given rate in messages/s, until killed).
 */
public final class DiskQueueChild {

    private DiskQueueChild() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("connection.id", "killed");
        cfg.put("transport", "tcp");
        cfg.put("endpoint", "127.0.0.1");
        cfg.put("port", args[0]);
        cfg.put("client.id", "kill-child");
        cfg.put("queue.storage", "disk");
        cfg.put("queue.directory", args[1]);
        cfg.put("queue.size", "-1");
        cfg.put("reconnect.backoff.base.ms", "100");
        cfg.put("reconnect.backoff.max.ms", "200");
        int limit = args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE;
        if (args.length > 4) {
            cfg.put("queue.drain.frequency", args[4]);
        }
        IoTConnection c = Connections.open(cfg);
        try (PrintStream out = new PrintStream(new FileOutputStream(args[2]), true, StandardCharsets.UTF_8)) {
            for (int i = 0; i < limit; i++) {
                c.publish("killed/stream", Integer.toString(i).getBytes(StandardCharsets.UTF_8), QoS.AT_LEAST_ONCE);
                out.println(i);
            }
            out.println("done");
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
