package org.iotgateway.shadow.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a gateway's CPU spends on the shadow's JSON, per message, on the paths the shadow bundle runs for
 * every delta it receives and every update it sends (in this package because {@code ShadowJson} is the
 * bundle's internal class). Sizes: a small document of 8 leaves and a large one of 160.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ShadowJsonBenchmark {

    /** Leaves in the document: 8 or 160 (the report prints the size of the delta message). */
    @Param({"8", "160"})
    public int leaves;

    private final ShadowKey key = new ShadowKey("gateway-0001", "");
    private byte[] deltaMessage;
    private String deltaText;
    private ShadowUpdate update;

    @Setup
    public void setUp() {
        Map<String, Object> state = state(leaves);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("version", 4711);
        message.put("timestamp", 1_763_800_000L);
        message.put("state", state);
        Map<String, Object> metadata = new LinkedHashMap<>();
        state.keySet().forEach(k -> metadata.put(k, Map.of("timestamp", 1_763_800_000L)));
        message.put("metadata", metadata);
        message.put("clientToken", "c8b1a0f2-5f44-4d5e-9a57-0d9f0c6d2c11");
        try {
            deltaMessage = ShadowJson.MAPPER.writeValueAsBytes(message);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        deltaText = new String(deltaMessage, StandardCharsets.UTF_8);
        update = ShadowUpdate.reported(state);
    }

    /** Groups of sensor-like values: numbers, strings, booleans, one nesting level. */
    static Map<String, Object> state(int leaves) {
        Map<String, Object> state = new LinkedHashMap<>();
        for (int i = 0; i < leaves; i += 4) {
            Map<String, Object> group = new LinkedHashMap<>();
            group.put("temperature", 20.5 + i);
            group.put("setpoint", 21 + i);
            group.put("mode", "auto-" + i);
            group.put("enabled", i % 8 == 0);
            state.put("zone" + i / 4, group);
        }
        return state;
    }

    /** @return the size of the delta message, for the report */
    public int deltaBytes() {
        return deltaMessage.length;
    }

    /** An {@code update/delta} message as received: parsed, then turned into the event apps get. */
    @Benchmark
    public ShadowDelta receiveDelta() throws ShadowJson.MalformedJsonException {
        ObjectNode json = ShadowJson.parseObject(deltaMessage);
        return ShadowJson.delta(key, json, deltaText);
    }

    /** A reported-state update as sent: validated and encoded with its client token. */
    @Benchmark
    public byte[] encodeUpdate() {
        return ShadowJson.updatePayload(update, "c8b1a0f2-5f44-4d5e-9a57-0d9f0c6d2c11", key);
    }
}
