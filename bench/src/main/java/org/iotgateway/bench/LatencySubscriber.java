package org.iotgateway.bench;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;

/**
 * The latency benchmark's measuring instrument: a minimal MQTT 3.1.1 subscriber on one socket, with one
 * thread that reads PUBLISH packets through a buffered stream and hands the first four payload bytes (the
 * message's index) to a callback together with nothing else, acknowledging QoS 1 at once.
 *
 * <p>Why not Paho: Paho 1.2.5 decodes every received PUBLISH one byte at a time, twice, through
 * {@code CountingInputStream} over a synchronized {@code ByteArrayInputStream}. On the benchmark machine that
 * caps a Paho subscriber at well under 1,000 messages of 16 KB per second, so at the benchmark's fixed rate
 * the subscriber, not the publisher under test, decided the 16 KB latencies, and its backlog spilled into
 * the runs after it. The instrument must be faster than what it measures; this one reads a 16 KB message
 * with a few {@code read} calls.
 */
final class LatencySubscriber implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final Thread reader;
    private volatile boolean closing;
    private volatile Throwable failure;

    /**
     * Connects, subscribes to {@code topic} with {@code qos} and starts reading.
     *
     * @param onIndex told the index of every message, on the reader thread, right after it was read
     */
    LatencySubscriber(SocketFactory factory, String host, int port, String clientId, String topic, int qos,
            IntConsumer onIndex) throws IOException {
        socket = factory.createSocket(host, port);
        socket.setTcpNoDelay(true);
        socket.setReceiveBufferSize(1 << 20);
        if (socket instanceof SSLSocket ssl) {
            ssl.startHandshake();
        }
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        out = socket.getOutputStream();
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        // CONNECT: protocol "MQTT" level 4, clean session, keep-alive 0 (the runs are short and the socket local)
        byte[] connect = concat(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0}, utf8(id));
        write(0x10, connect);
        int type = in.readUnsignedByte();
        int length = remainingLength(in);
        byte[] connack = new byte[length];
        in.readFully(connack);
        if (type != 0x20 || length != 2 || connack[1] != 0) {
            socket.close();
            throw new IOException("broker refused the latency subscriber: CONNACK type " + type + " code "
                    + (length == 2 ? connack[1] : -1));
        }
        byte[] filter = topic.getBytes(StandardCharsets.UTF_8);
        write(0x82, concat(concat(new byte[] {0, 1}, utf8(filter)), new byte[] {(byte) qos}));
        type = in.readUnsignedByte();
        length = remainingLength(in);
        byte[] suback = new byte[length];
        in.readFully(suback);
        if (type != 0x90 || length != 3 || (suback[2] & 0xFF) != qos) {
            socket.close();
            throw new IOException("broker did not grant the latency subscription to '" + topic + "' at QoS " + qos);
        }
        reader = new Thread(() -> read(onIndex), "latency-subscriber");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(IntConsumer onIndex) {
        try {
            byte[] body = new byte[64 * 1024];
            while (true) {
                int first = in.readUnsignedByte();
                int length = remainingLength(in);
                if (length > body.length) {
                    body = new byte[length];
                }
                in.readFully(body, 0, length);
                if ((first >> 4) != 3) {
                    continue; // only PUBLISH is expected; nothing else needs an answer with keep-alive 0
                }
                int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                int at = 2 + topicLength;
                int qos = (first >> 1) & 3;
                if (qos > 0) {
                    synchronized (out) {
                        out.write(new byte[] {0x40, 2, body[at], body[at + 1]});
                        out.flush();
                    }
                    at += 2;
                }
                if (length - at >= 4) {
                    onIndex.accept(((body[at] & 0xFF) << 24) | ((body[at + 1] & 0xFF) << 16)
                            | ((body[at + 2] & 0xFF) << 8) | (body[at + 3] & 0xFF));
                }
            }
        } catch (IOException | RuntimeException e) { // EOF included: the broker closed the socket
            if (!closing) {
                failure = e;
            }
        }
    }

    /** @return why the reader stopped before {@link #close()}, or null */
    Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        try {
            synchronized (out) {
                out.write(new byte[] {(byte) 0xE0, 0});
                out.flush();
            }
        } catch (IOException e) {
            // closing anyway
        }
        socket.close();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(int header, byte[] body) throws IOException {
        byte[] packet = concat(concat(new byte[] {(byte) header}, encodeLength(body.length)), body);
        synchronized (out) {
            out.write(packet);
            out.flush();
        }
    }

    private static int remainingLength(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed remaining length from the broker");
    }

    private static byte[] encodeLength(int length) {
        byte[] buf = new byte[4];
        int n = 0;
        do {
            int digit = length % 128;
            length /= 128;
            buf[n++] = (byte) (length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        return java.util.Arrays.copyOf(buf, n);
    }

    private static byte[] utf8(byte[] s) {
        return concat(new byte[] {(byte) (s.length >> 8), (byte) s.length}, s);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
