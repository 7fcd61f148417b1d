package org.iotgateway.commands.internal;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON typed on the command line: checked before anything is sent, errors say what is wrong. */
final class Json {

    /** Longest JSON argument accepted (AWS IoT's payload limit). */
    static final int MAX_CHARS = 128 * 1024;
    static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /**
     * @param what names the argument in the error message
     * @throws IllegalArgumentException when the text is not one JSON object, too long or nested too deeply
     */
    static Map<String, Object> object(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + ": empty; expected a JSON object such as '{\"led\":\"on\"}'");
        }
        if (text.length() > MAX_CHARS) {
            throw new IllegalArgumentException(what + ": " + text.length() + " characters; at most " + MAX_CHARS);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(what + ": expected a JSON object {...}, got "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return MAPPER.convertValue(node, new TypeReference<Map<String, Object>>() {
        });
    }

    /** Indented JSON for the console; the text itself when it is not JSON. */
    static String pretty(String json) {
        try {
            return MAPPER.writeValueAsString(MAPPER.readTree(json));
        } catch (JsonProcessingException | RuntimeException e) {
            return json;
        }
    }

    /** Text fit for one console line: control characters replaced, at most {@code max} characters. */
    static String printable(String s, int max) {
        String t = s.length() > max ? s.substring(0, max) : s;
        StringBuilder sb = new StringBuilder(t.length() + 16);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            sb.append(Character.isISOControl(c) ? '.' : c);
        }
        if (s.length() > max) {
            sb.append("...(").append(s.length()).append(" characters)");
        }
        return sb.toString();
    }
}
