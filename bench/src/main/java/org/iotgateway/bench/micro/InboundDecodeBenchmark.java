package org.iotgateway.bench.micro;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.internal.wire.MqttPublish;
import org.eclipse.paho.client.mqttv3.internal.wire.MqttWireMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of every message a connection receives before any of our code sees it: Paho 1.2.5 turning the
 * bytes of a PUBLISH packet into a message (IoTConnection receives through Paho, like raw Paho). Paho reads
 * the packet one byte at a time, twice, through a synchronized stream. For scale, {@link #copyOnly} takes
 * the same packet apart with two array copies, as a buffered decoder would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InboundDecodeBenchmark {

    @Param({"256", "4096", "16384"})
    public int payloadBytes;

    private byte[] packet;

    @Setup
    public void setUp() throws MqttException {
        MqttMessage m = new MqttMessage(new byte[payloadBytes]);
        m.setQos(1);
        MqttPublish publish = new MqttPublish("dt/gateway-0001/telemetry", m);
        publish.setMessageId(42);
        byte[] header = publish.getHeader();
        byte[] payload = publish.getPayload();
        packet = Arrays.copyOf(header, header.length + payload.length);
        System.arraycopy(payload, 0, packet, header.length, payload.length);
    }

    /** Paho's decoder, as its receiver thread runs it for every inbound PUBLISH. */
    @Benchmark
    public MqttWireMessage pahoDecode() throws MqttException {
        return MqttWireMessage.createWireMessage(packet);
    }

    /** The same packet taken apart with array copies: fixed header, topic, packet id, payload. */
    @Benchmark
    public byte[] copyOnly() {
        int at = 1;
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = packet[at++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        int topicLength = ((packet[at] & 0xFF) << 8) | (packet[at + 1] & 0xFF);
        String topic = new String(packet, at + 2, topicLength, java.nio.charset.StandardCharsets.UTF_8);
        int payloadStart = at + 2 + topicLength + 2;
        byte[] payload = Arrays.copyOfRange(packet, payloadStart, at + length);
        return topic.isEmpty() ? null : payload;
    }
}
