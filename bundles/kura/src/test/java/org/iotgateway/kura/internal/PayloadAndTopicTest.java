package org.iotgateway.kura.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.message.KuraPayload;
import org.iotgateway.api.QoS;
import org.junit.jupiter.api.Test;

class PayloadAndTopicTest {

    @Test
    void bodyOnlyPayloadsGoOutUnchanged() throws KuraException {
        KuraPayload p = new KuraPayload();
        p.setBody(new byte[] { 0, (byte) 0xff, 7 });
        assertArrayEquals(new byte[] { 0, (byte) 0xff, 7 }, PayloadCodec.encode(p));
        assertArrayEquals(new byte[0], PayloadCodec.encode(new KuraPayload()));
    }

    @Test
    void metricsBecomeOneJsonObjectWithHostileStringsEscaped() throws KuraException {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(42));
        p.addMetric("t", 21.5);
        p.addMetric("n", 3L);
        p.addMetric("on", false);
        p.addMetric("quote\"back\\slash", "line\nbreak\u0001\u2028");
        p.addMetric("bytes", new byte[] { 1, 2 });
        p.addMetric("nan", Double.NaN);
        p.addMetric("nothing", null);
        p.setBody("b".getBytes(StandardCharsets.UTF_8));
        String json = new String(PayloadCodec.encode(p), StandardCharsets.UTF_8);
        assertEquals("{\"timestamp\":42,\"metrics\":{\"bytes\":\"AQI=\",\"n\":3,\"nan\":\"NaN\",\"nothing\":null,"
                + "\"on\":false,\"quote\\\"back\\\\slash\":\"line\\nbreak\\u0001\\u2028\",\"t\":21.5},\"body\":\"Yg==\"}",
                json);
    }

    @Test
    void oversizedPayloadsAreRefusedBeforeSending() {
        KuraPayload p = new KuraPayload();
        p.setBody(new byte[PayloadCodec.MAX_PAYLOAD_BYTES + 1]);
        KuraException e = assertThrows(KuraException.class, () -> PayloadCodec.encode(p));
        assertEquals(KuraErrorCode.ENCODE_ERROR, e.getCode());
        assertTrue(e.getMessage().contains("131073 bytes"), e.getMessage());
        KuraPayload metrics = new KuraPayload();
        metrics.addMetric("big", "x".repeat(PayloadCodec.MAX_PAYLOAD_BYTES));
        assertEquals(KuraErrorCode.ENCODE_ERROR, assertThrows(KuraException.class, () -> PayloadCodec.encode(metrics))
                .getCode());
    }

    @Test
    void topicVariablesTakeOneTopicLevelFromTheMessage() throws KuraException {
        Map<String, Object> props = new HashMap<>();
        props.put("assetName", "line1");
        props.put("n", 7);
        assertEquals("dt/line1/7/x", AwsCloudPublisher.resolve("dt/$assetName/$n/x", props));
        assertEquals("dt/plain", AwsCloudPublisher.resolve("dt/plain", null));
        for (String hostile : new String[] { "a/b", "+", "#", "", "x\0y" }) {
            props.put("assetName", hostile);
            KuraException e = assertThrows(KuraException.class, () -> AwsCloudPublisher.resolve("dt/$assetName",
                    props));
            assertEquals(KuraErrorCode.INVALID_PARAMETER, e.getCode());
            assertTrue(e.getMessage().contains("assetName"), e.getMessage());
        }
        props.remove("assetName");
        assertThrows(KuraException.class, () -> AwsCloudPublisher.resolve("dt/$assetName", props));
        // a replacement value is literal, not a regex replacement
        props.put("assetName", "$1\\x");
        assertEquals("dt/$1\\x", AwsCloudPublisher.resolve("dt/$assetName", props));
    }

    @Test
    void qosIsZeroOrOne() throws KuraException {
        assertEquals(QoS.AT_MOST_ONCE, AwsCloudEndpoint.qos(null, "qos"));
        assertEquals(QoS.AT_LEAST_ONCE, AwsCloudEndpoint.qos(1, "qos"));
        assertEquals(QoS.AT_LEAST_ONCE, AwsCloudEndpoint.qos(" 1 ", "qos"));
        for (Object bad : new Object[] { 2, -1, "one", "1".repeat(1000) }) {
            KuraException e = assertThrows(KuraException.class, () -> AwsCloudEndpoint.qos(bad, "qos"));
            assertTrue(e.getMessage().length() < 200, "message stays short for hostile values");
        }
    }

    @Test
    void connectionNamesAreChecked() {
        assertTrue(AwsCloudConnectionFactory.PID.matcher("aws-iot.plant_1").matches());
        for (String bad : new String[] { "", "-x", "a/b", "a b", "x".repeat(101), "(x=*)" }) {
            assertTrue(!AwsCloudConnectionFactory.PID.matcher(bad).matches(), bad);
        }
    }
}
