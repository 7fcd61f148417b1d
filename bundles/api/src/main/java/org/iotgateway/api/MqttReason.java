package org.iotgateway.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A reason code and optional reason string as sent by the broker: in a CONNACK, PUBACK, SUBACK,
 * UNSUBACK or DISCONNECT packet. Codes below {@code 0x80} mean success, the others failure (MQTT 5,
 * section 2.4). On MQTT 3.1.1 only the CONNACK return code (1 to 5) and the SUBACK failure
 * ({@code 0x80}) exist; they are reported with the MQTT 5 code of the same meaning.
 */
public final class MqttReason {

    private final int code;
    private final String reasonString;

    /**
     * @param code         the reason code, 0 to 255
     * @param reasonString the broker's human-readable reason string, or {@code null}
     * @throws IllegalArgumentException if the code is outside 0 to 255
     */
    public MqttReason(int code, String reasonString) {
        if (code < 0 || code > 0xFF) {
            throw new IllegalArgumentException("MQTT reason code " + code + " is outside 0 to 255");
        }
        this.code = code;
        this.reasonString = reasonString;
    }

    /** @return the reason code */
    public int code() {
        return code;
    }

    /** @return the broker's reason string, if it sent one */
    public Optional<String> reasonString() {
        return Optional.ofNullable(reasonString);
    }

    /** @return whether the code means failure ({@code 0x80} or above) */
    public boolean isError() {
        return code >= 0x80;
    }

    /** @return the name MQTT 5 gives the code, for example {@code "Not authorized"}, or {@code "Unknown"} */
    public String name() {
        switch (code) {
            case 0x00: return "Success";
            case 0x01: return "Granted QoS 1";
            case 0x02: return "Granted QoS 2";
            case 0x04: return "Disconnect with Will Message";
            case 0x10: return "No matching subscribers";
            case 0x11: return "No subscription existed";
            case 0x18: return "Continue authentication";
            case 0x19: return "Re-authenticate";
            case 0x80: return "Unspecified error";
            case 0x81: return "Malformed Packet";
            case 0x82: return "Protocol Error";
            case 0x83: return "Implementation specific error";
            case 0x84: return "Unsupported Protocol Version";
            case 0x85: return "Client Identifier not valid";
            case 0x86: return "Bad User Name or Password";
            case 0x87: return "Not authorized";
            case 0x88: return "Server unavailable";
            case 0x89: return "Server busy";
            case 0x8A: return "Banned";
            case 0x8B: return "Server shutting down";
            case 0x8C: return "Bad authentication method";
            case 0x8D: return "Keep Alive timeout";
            case 0x8E: return "Session taken over";
            case 0x8F: return "Topic Filter invalid";
            case 0x90: return "Topic Name invalid";
            case 0x91: return "Packet Identifier in use";
            case 0x92: return "Packet Identifier not found";
            case 0x93: return "Receive Maximum exceeded";
            case 0x94: return "Topic Alias invalid";
            case 0x95: return "Packet too large";
            case 0x96: return "Message rate too high";
            case 0x97: return "Quota exceeded";
            case 0x98: return "Administrative action";
            case 0x99: return "Payload format invalid";
            case 0x9A: return "Retain not supported";
            case 0x9B: return "QoS not supported";
            case 0x9C: return "Use another server";
            case 0x9D: return "Server moved";
            case 0x9E: return "Shared Subscriptions not supported";
            case 0x9F: return "Connection rate exceeded";
            case 0xA0: return "Maximum connect time";
            case 0xA1: return "Subscription Identifiers not supported";
            case 0xA2: return "Wildcard Subscriptions not supported";
            default: return "Unknown";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MqttReason && ((MqttReason) o).code == code
                && Objects.equals(((MqttReason) o).reasonString, reasonString);
    }

    @Override
    public int hashCode() {
        return code * 31 + Objects.hashCode(reasonString);
    }

    /** @return for example {@code 0x87 Not authorized ("policy denies publish")} */
    @Override
    public String toString() {
        return String.format("0x%02X %s", code, name()) + (reasonString == null ? "" : " (\"" + reasonString + "\")");
    }
}
