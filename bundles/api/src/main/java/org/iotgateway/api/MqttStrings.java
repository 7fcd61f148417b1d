package org.iotgateway.api;

/** Checks of MQTT UTF-8 encoded strings (MQTT 5, section 1.5.4) for the API's value types. */
final class MqttStrings {

    /** The largest UTF-8 string or binary data MQTT can carry. */
    static final int MAX_BYTES = 65_535;

    private MqttStrings() {
    }

    /**
     * @param what  what the string is, for the message (for example "content type")
     * @param value the string
     * @throws InvalidRequestException if it is {@code null}, longer than 65,535 UTF-8 bytes, contains U+0000 or an
     *                                 unpaired surrogate
     */
    static void check(String what, String value) {
        if (value == null) {
            throw new InvalidRequestException(what + " is null");
        }
        long bytes = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw new InvalidRequestException(what + " contains the character U+0000 at index " + i
                        + ", which MQTT forbids in strings");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                    throw new InvalidRequestException(what + " contains an unpaired surrogate at index " + i
                            + ": not valid UTF-8");
                }
                bytes += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new InvalidRequestException(what + " contains an unpaired surrogate at index " + i
                        + ": not valid UTF-8");
            } else {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        if (bytes > MAX_BYTES) {
            throw new InvalidRequestException(what + " is " + bytes + " bytes in UTF-8, over MQTT's limit of "
                    + MAX_BYTES + " bytes");
        }
    }

    /** @return the string cut to 40 characters for messages */
    static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 40 ? s : s.substring(0, 40) + "...(" + s.length() + " chars)";
    }
}
