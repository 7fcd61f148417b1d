package org.iotgateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A minimal MQTT 3.1.1 client over any socket (plain or TLS), to check brokers and transports in tests without an
 * MQTT library: CONNECT, SUBSCRIBE, PUBLISH at QoS 0 and 1, receive, DISCONNECT. Blocking, single-threaded, no
 * retries, no keep-alive pings (keep-alive 60 s). Not thread-safe.
 *
 * <pre>{@code
 * try (MqttProbe probe = MqttProbe.connect(sslSocket, "probe-1")) {
 *     probe.subscribe("t/#", 1);
 *     probe.publish("t/1", payload, 1);
 *     MqttProbe.Message m = probe.receive(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class MqttProbe implements Closeable {

    private static final int CONNECT = 0x10;
    private static final int CONNACK = 0x20;
    private static final int PUBLISH = 0x30;
    private static final int PUBACK = 0x40;
    private static final int SUBSCRIBE = 0x82;
    private static final int SUBACK = 0x90;
    private static final int DISCONNECT = 0xE0;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ArrayDeque<Message> pending = new ArrayDeque<>();
    private int nextPacketId = 1;

    /** A received PUBLISH. */
    public static final class Message {
        private final String topic;
        private final byte[] payload;
        private final int qos;

        Message(String topic, byte[] payload, int qos) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
        }

        /** @return the topic */
        public String topic() {
            return topic;
        }

        /** @return the payload */
        public byte[] payload() {
            return payload.clone();
        }

        /** @return the QoS it was delivered with */
        public int qos() {
            return qos;
        }

        /** @return the payload as UTF-8 */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private MqttProbe(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects over plain TCP.
     *
     * @param host broker host
     * @param port broker port
     * @param clientId the MQTT client id
     * @return the connected probe
     * @throws IOException if the connection fails or the broker refuses (return code in the message)
     */
    public static MqttProbe connect(String host, int port, String clientId) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), 5000);
            return connect(socket, clientId);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends CONNECT (clean session) on a connected socket, for example a TLS socket, and waits for CONNACK.
     *
     * @param socket the connected socket; closed by {@link #close()}
     * @param clientId the MQTT client id
     * @return the connected probe
     * @throws IOException if the broker refuses (return code in the message) or the connection fails
     */
    public static MqttProbe connect(Socket socket, String clientId) throws IOException {
        socket.setSoTimeout(10_000);
        MqttProbe probe = new MqttProbe(socket);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(4); // protocol level 3.1.1
        body.write(0x02); // clean session
        body.write(0);
        body.write(60); // keep alive
        writeString(body, clientId);
        probe.send(CONNECT, body.toByteArray());
        int[] header = new int[1];
        byte[] connack = probe.read(header);
        if ((header[0] & 0xF0) != CONNACK || connack.length != 2) {
            throw new IOException("expected CONNACK, got packet type 0x" + Integer.toHexString(header[0]));
        }
        if (connack[1] != 0) {
            throw new IOException("broker refused the connection, CONNACK return code " + connack[1]);
        }
        return probe;
    }

    /**
     * Subscribes and waits for SUBACK.
     *
     * @param topicFilter the filter
     * @param qos 0 or 1
     * @throws IOException if the broker rejects it
     */
    public void subscribe(String topicFilter, int qos) throws IOException {
        int id = packetId();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(id >> 8);
        body.write(id);
        writeString(body, topicFilter);
        body.write(qos);
        send(SUBSCRIBE, body.toByteArray());
        byte[] suback = awaitAck(SUBACK, id);
        if ((suback[2] & 0xFF) == 0x80) {
            throw new IOException("broker rejected subscription to " + topicFilter);
        }
    }

    /**
     * Publishes; at QoS 1 waits for PUBACK.
     *
     * @param topic the topic
     * @param payload the payload
     * @param qos 0 or 1
     * @throws IOException if the connection fails
     */
    public void publish(String topic, byte[] payload, int qos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(payload.length + topic.length() + 8);
        writeString(body, topic);
        int id = 0;
        if (qos > 0) {
            id = packetId();
            body.write(id >> 8);
            body.write(id);
        }
        body.write(payload, 0, payload.length);
        send(PUBLISH | (qos << 1), body.toByteArray());
        if (qos > 0) {
            awaitAck(PUBACK, id);
        }
    }

    /**
     * Waits for the next PUBLISH (acknowledging QoS 1).
     *
     * @param timeout how long to wait
     * @return the message
     * @throws SocketTimeoutException if none arrives in time
     * @throws IOException if the connection fails
     */
    public Message receive(Duration timeout) throws IOException {
        if (!pending.isEmpty()) {
            return pending.poll();
        }
        int previous = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            while (true) {
                int[] header = new int[1];
                byte[] body = read(header);
                if ((header[0] & 0xF0) == PUBLISH) {
                    return handlePublish(header[0], body);
                }
            }
        } finally {
            socket.setSoTimeout(previous);
        }
    }

    /** Sends DISCONNECT and closes the socket. */
    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                send(DISCONNECT, new byte[0]);
            }
        } catch (IOException e) {
            // closing anyway
        } finally {
            socket.close();
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    private byte[] awaitAck(int type, int id) throws IOException {
        while (true) {
            int[] header = new int[1];
            byte[] body = read(header);
            int packetType = header[0] & 0xF0;
            if (packetType == PUBLISH) {
                pending.add(handlePublish(header[0], body));
            } else if (packetType == (type & 0xF0) && body.length >= 2
                    && ((body[0] & 0xFF) << 8 | (body[1] & 0xFF)) == id) {
                return body;
            }
        }
    }

    private Message handlePublish(int flags, byte[] body) throws IOException {
        int qos = (flags >> 1) & 0x03;
        int topicLength = (body[0] & 0xFF) << 8 | (body[1] & 0xFF);
        String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
        int at = 2 + topicLength;
        if (qos > 0) {
            int id = (body[at] & 0xFF) << 8 | (body[at + 1] & 0xFF);
            at += 2;
            send(PUBACK, new byte[] {(byte) (id >> 8), (byte) id});
        }
        byte[] payload = Arrays.copyOfRange(body, at, body.length);
        return new Message(topic, payload, qos);
    }

    private int packetId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        return id;
    }

    private void send(int firstByte, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream(body.length + 5);
        packet.write(firstByte);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.write(body, 0, body.length);
        out.write(packet.toByteArray());
        out.flush();
    }

    private byte[] read(int[] header) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("broker closed the connection");
        }
        header[0] = first;
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length);
        out.write(bytes, 0, bytes.length);
    }
}
