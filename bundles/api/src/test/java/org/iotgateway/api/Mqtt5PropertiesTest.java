package org.iotgateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The MQTT 5 properties of {@link IoTMessage}: validation of hostile values, immutability, order. */
class Mqtt5PropertiesTest {

    private static void refused(String expectedText, Runnable r) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, r::run);
        assertTrue(e.getMessage().contains(expectedText), "'" + e.getMessage() + "' does not mention '" + expectedText + "'");
    }

    @Test
    void userPropertiesKeepOrderAndDuplicates() {
        IoTMessage m = IoTMessage.builder("t", "p").userProperty("b", "1").userProperty("a", "2").userProperty("b", "1")
                .build();
        assertEquals(List.of(UserProperty.of("b", "1"), UserProperty.of("a", "2"), UserProperty.of("b", "1")),
                m.userProperties());
        assertThrows(UnsupportedOperationException.class, () -> m.userProperties().add(UserProperty.of("x", "y")));
        assertEquals(Optional.of("user properties"), m.mqtt5Property());
        assertEquals(m, m.toBuilder().build());
        assertNotEquals(m, m.toBuilder().userProperty("c", "3").build());
    }

    @Test
    void oversizedHostileAndMalformedStringsAreRefusedNamingTheProperty() {
        String big = "x".repeat(65_536);
        refused("user property name is 65536 bytes", () -> UserProperty.of(big, "v"));
        refused("value of user property 'k' is 65536 bytes", () -> UserProperty.of("k", big));
        // 21,846 three-byte characters: 65,538 bytes of UTF-8 in fewer than 65,535 chars
        refused("65538 bytes", () -> UserProperty.of("k", "€".repeat(21_846)));
        refused("unpaired surrogate at index 1", () -> UserProperty.of("a\uD800b", "v"));
        refused("unpaired surrogate at index 0", () -> UserProperty.of("k", "\uDC00"));
        refused("unpaired surrogate at index 2", () -> UserProperty.of("k", "ab\uD83D"));
        refused("U+0000", () -> UserProperty.of("k\u0000", "v"));
        refused("U+0000", () -> UserProperty.of("k", "v\u0000"));
        refused("is null", () -> UserProperty.of(null, "v"));
        refused("is null", () -> UserProperty.of("k", null));
        // the largest legal values and a valid surrogate pair pass
        assertEquals(65_535, UserProperty.of("x".repeat(65_535), "😀").name().length());
        refused("a user property of a message to topic 't' is null",
                () -> IoTMessage.builder("t", "p").userProperties(java.util.Arrays.asList(UserProperty.of("a", "b"), null)));
    }

    @Test
    void correlationDataResponseTopicContentTypeAndExpiryAreChecked() {
        refused("correlation data is 65536 bytes", () -> IoTMessage.builder("t", "p").correlationData(new byte[65_536]));
        IoTMessage.builder("t", "p").correlationData(new byte[65_535]).build();
        refused("contains a wildcard", () -> IoTMessage.builder("t", "p").responseTopic("reply/+"));
        refused("contains a wildcard", () -> IoTMessage.builder("t", "p").responseTopic("reply/#"));
        refused("response topic is empty", () -> IoTMessage.builder("t", "p").responseTopic(""));
        refused("U+0000", () -> IoTMessage.builder("t", "p").responseTopic("a\u0000"));
        refused("control character", () -> IoTMessage.builder("t", "p").contentType("text/plain\r\nX-Evil: 1"));
        refused("blank", () -> IoTMessage.builder("t", "p").contentType("  "));
        refused("unpaired surrogate", () -> IoTMessage.builder("t", "p").contentType("text/\uD800"));
        refused("is -1 s", () -> IoTMessage.builder("t", "p").messageExpirySeconds(-1));
        refused("is 0 s", () -> IoTMessage.builder("t", "p").messageExpirySeconds(0));
        refused("is 4294967296 s", () -> IoTMessage.builder("t", "p").messageExpirySeconds(4_294_967_296L));
        refused("is -5 s", () -> IoTMessage.builder("t", "p").messageExpiry(Duration.ofSeconds(-5)));
        refused("use 1 to 4294967295 s", () -> IoTMessage.builder("t", "p").messageExpiry(Duration.ofDays(365 * 200)));
        assertEquals(Optional.of(2L), IoTMessage.builder("t", "p").messageExpiry(Duration.ofMillis(1500)).build()
                .messageExpirySeconds());
        assertEquals(Optional.of(4_294_967_295L), IoTMessage.builder("t", "p").messageExpirySeconds(4_294_967_295L).build()
                .messageExpirySeconds());
    }

    @Test
    void payloadAndCorrelationDataAreCopied() {
        byte[] payload = { 1, 2 };
        byte[] correlation = { 3, 4 };
        IoTMessage.Builder b = IoTMessage.builder("t", payload).correlationData(correlation);
        payload[0] = 9;
        correlation[0] = 9;
        IoTMessage m = b.build();
        assertArrayEquals(new byte[] { 1, 2 }, m.payload());
        assertArrayEquals(new byte[] { 3, 4 }, m.correlationData().get());
        m.correlationData().get()[0] = 7;
        assertArrayEquals(new byte[] { 3, 4 }, m.correlationData().get());
    }

    @Test
    void aPlainMessageHasNoMqtt5Property() {
        assertEquals(Optional.empty(), IoTMessage.of("t", "p", QoS.AT_LEAST_ONCE).mqtt5Property());
        assertEquals(Optional.empty(), IoTMessage.builder("t", "p").qos(QoS.AT_LEAST_ONCE).retain(true).build().mqtt5Property());
        assertEquals(Optional.of("message expiry interval"),
                IoTMessage.builder("t", "p").messageExpirySeconds(1).build().mqtt5Property());
    }

    @Test
    void theDefaultRequestOfAnMqtt311ImplementationRefuses() {
        IoTConnection legacy = (IoTConnection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { IoTConnection.class }, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    if (method.getName().equals("id")) {
                        return "legacy";
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertEquals(MqttVersion.MQTT_3_1_1, legacy.mqttVersion());
        Throwable e = assertThrows(java.util.concurrent.ExecutionException.class, () -> legacy
                .request(IoTMessage.builder("t", "p").responseTopic("r").build(), Duration.ofSeconds(1))
                .toCompletableFuture().get()).getCause();
        assertTrue(e instanceof InvalidRequestException && e.getMessage().contains("connection 'legacy' uses MQTT 3.1.1"),
                String.valueOf(e));
    }
}
