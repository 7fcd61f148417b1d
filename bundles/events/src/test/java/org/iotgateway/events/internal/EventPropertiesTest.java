package org.iotgateway.events.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionEvents;
import org.iotgateway.api.ConnectionEventType;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.ConnectionStateEvent;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.QoS;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;

/** The EventAdmin form of lifecycle events: topics, property names, types, and what is left out. */
class EventPropertiesTest {

    private static final Instant AT = Instant.ofEpochMilli(1_700_000_000_123L);

    /** Types every EventAdmin handler and LDAP event filter can handle. */
    private static void assertLegalTypes(Map<String, Object> p) {
        for (Map.Entry<String, Object> e : p.entrySet()) {
            Object v = e.getValue();
            if (e.getKey().equals(EventConstants.EXCEPTION)) {
                assertTrue(v instanceof Throwable, e.toString());
                continue;
            }
            assertTrue(v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long,
                    "property " + e.getKey() + " has type " + v.getClass().getName());
        }
    }

    private static Event event(ConnectionStateEvent e) {
        // the real Event validates the topic
        return new Event(ConnectionEvents.topic(e.type()), EventAdminBridge.properties(e));
    }

    @Test
    void connectionSuccessCarriesTheNegotiatedSettingsFlattened() {
        NegotiatedSettings n = NegotiatedSettings.builder(MqttVersion.MQTT_5, "assigned-42").clientIdAssigned(true)
                .keepAlive(Duration.ofSeconds(45)).sessionPresent(true).sessionExpirySeconds(3600)
                .maximumQos(QoS.AT_MOST_ONCE).receiveMaximum(100).maximumPacketSize(131_072).topicAliasMaximum(8)
                .retainAvailable(false).wildcardSubscriptionsAvailable(false).sharedSubscriptionsAvailable(false)
                .serverReference("other.example:8883").build();
        ConnectionStateEvent e = new ConnectionStateEvent("aws", ConnectionState.CONNECTING, ConnectionState.CONNECTED,
                null, AT, n, null);
        Event posted = event(e);
        assertEquals("org/iotgateway/connection/CONNECTION_SUCCESS", posted.getTopic());
        Map<String, Object> p = EventAdminBridge.properties(e);
        assertLegalTypes(p);
        assertEquals("aws", p.get("connection.id"));
        assertEquals("CONNECTION_SUCCESS", p.get("type"));
        assertEquals("CONNECTED", p.get("state"));
        assertEquals("CONNECTING", p.get("previous.state"));
        assertEquals(1_700_000_000_123L, p.get(EventConstants.TIMESTAMP));
        assertEquals("MQTT_5", p.get("mqtt.version"));
        assertEquals("assigned-42", p.get("client.id"));
        assertEquals(true, p.get("client.id.assigned"));
        assertEquals(45L, p.get("keep.alive"));
        assertEquals(true, p.get("session.present"));
        assertEquals(3600L, p.get("session.expiry"));
        assertEquals(0, p.get("maximum.qos"));
        assertEquals(100, p.get("receive.maximum"));
        assertEquals(131_072L, p.get("maximum.packet.size"));
        assertEquals(8, p.get("topic.alias.maximum"));
        assertEquals(false, p.get("retain.available"));
        assertEquals(false, p.get("wildcard.available"));
        assertEquals(false, p.get("shared.available"));
        assertEquals(true, p.get("subscription.identifiers.available"));
        assertEquals("other.example:8883", p.get("server.reference"));
        for (String absent : new String[] { "exception", "exception.class", "exception.message", "reason.code",
                "reason.name", "reason.string" }) {
            assertFalse(p.containsKey(absent), absent);
        }
        // the event's properties are what the handler filters on
        assertEquals("aws", posted.getProperty("connection.id"));
        assertEquals(45L, posted.getProperty("keep.alive"));
    }

    @Test
    void refusedConnectCarriesExceptionAndReason() {
        IllegalStateException cause = new IllegalStateException("Not authorized to connect");
        ConnectionStateEvent e = new ConnectionStateEvent("aws", ConnectionState.CONNECTING,
                ConnectionState.DISCONNECTED, cause, AT, null, new MqttReason(0x87, "policy denies iot:Connect"));
        Map<String, Object> p = EventAdminBridge.properties(e);
        assertLegalTypes(p);
        assertEquals("org/iotgateway/connection/CONNECTION_FAILURE", event(e).getTopic());
        assertSame(cause, p.get(EventConstants.EXCEPTION));
        assertEquals(IllegalStateException.class.getName(), p.get(EventConstants.EXCEPTION_CLASS));
        assertEquals("Not authorized to connect", p.get(EventConstants.EXCEPTION_MESSAGE));
        assertEquals(0x87, p.get("reason.code"));
        assertEquals("Not authorized", p.get("reason.name"));
        assertEquals("policy denies iot:Connect", p.get("reason.string"));
        assertFalse(p.containsKey("client.id"), "no negotiated settings on a failure");
    }

    @Test
    void absentOptionalFieldsAreAbsentNotNull() {
        // a cause without message, a reason without reason string, no negotiated settings
        ConnectionStateEvent e = new ConnectionStateEvent("aws", ConnectionState.CONNECTED, ConnectionState.DISCONNECTED,
                new java.io.EOFException(), AT, null, new MqttReason(0x8B, null));
        Map<String, Object> p = EventAdminBridge.properties(e);
        assertLegalTypes(p);
        assertEquals("DISCONNECTION", p.get("type"));
        assertEquals("java.io.EOFException", p.get("exception.class"));
        assertFalse(p.containsKey("exception.message"));
        assertFalse(p.containsKey("reason.string"));
        assertEquals(0x8B, p.get("reason.code"));
        assertFalse(p.containsValue(null));

        // the legacy five-argument event: nothing optional at all
        ConnectionStateEvent bare = new ConnectionStateEvent("aws", ConnectionState.DISCONNECTED,
                ConnectionState.CONNECTING, null, AT);
        Map<String, Object> q = EventAdminBridge.properties(bare);
        assertEquals(Set.of("connection.id", "type", "state", "previous.state", "timestamp"), q.keySet());
        assertEquals("org/iotgateway/connection/ATTEMPTING_CONNECT", event(bare).getTopic());
    }

    @Test
    void everyTypeHasAValidTopicUnderThePrefix() {
        for (ConnectionEventType t : ConnectionEventType.values()) {
            String topic = ConnectionEvents.topic(t);
            assertTrue(topic.startsWith(ConnectionEvents.TOPIC_PREFIX), topic);
            new Event(topic, Map.of()); // throws IllegalArgumentException for an invalid topic
        }
        assertEquals(ConnectionEvents.TOPIC_STOPPED, ConnectionEvents.topic(ConnectionEventType.STOPPED));
        assertEquals("org/iotgateway/connection/*", ConnectionEvents.TOPIC_ALL);
    }

    @Test
    void aHostileConnectionIdStaysInItsPropertyAndNeverBreaksTheTopic() {
        String[] hostile = { "plant/1/#", "a b*", "(&(x=1))", "ä\u0000\n\t/..//", "", "x".repeat(100_000),
                "org/iotgateway/connection/STOPPED" };
        for (String id : hostile) {
            ConnectionStateEvent e = new ConnectionStateEvent(id, ConnectionState.CONNECTED, ConnectionState.CLOSED,
                    new ConnectionClosedException("connection '" + id + "' was closed"), AT);
            Event posted = event(e);
            assertEquals("org/iotgateway/connection/STOPPED", posted.getTopic());
            assertEquals(id, posted.getProperty(ConnectionEvents.CONNECTION_ID));
        }
    }
}
