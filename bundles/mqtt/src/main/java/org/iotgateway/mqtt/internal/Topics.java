package org.iotgateway.mqtt.internal;

import java.nio.charset.StandardCharsets;

import org.iotgateway.api.InvalidTopicException;
import org.iotgateway.api.IoTConnection;

/**
 * AWS IoT Core's rules for topics and topic filters, and MQTT topic matching.
 */
final class Topics {

    private static final String RESERVED_PREFIX = "$aws/";
    /** Prefix of MQTT 5 shared subscriptions. */
    static final String SHARED_PREFIX = "$share/";

    private Topics() {
    }

    /**
     * @param topic a topic to publish to
     * @throws InvalidTopicException naming the rule it breaks
     */
    static void validateTopic(String topic) {
        checkCommon(topic);
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') {
                throw new InvalidTopicException(topic, "wildcard '" + c + "' is not allowed in a topic to publish to");
            }
        }
        if (!topic.startsWith(RESERVED_PREFIX)) {
            int slashes = count(topic, '/');
            if (slashes > IoTConnection.MAX_TOPIC_SLASHES) {
                throw new InvalidTopicException(topic, "has " + slashes + " forward slashes; AWS IoT Core allows at most "
                        + IoTConnection.MAX_TOPIC_SLASHES);
            }
        }
    }

    /**
     * @param filter a topic filter to subscribe to
     * @throws InvalidTopicException naming the rule it breaks
     */
    static void validateFilter(String filter) {
        checkCommon(filter);
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.indexOf('#') >= 0 && (!level.equals("#") || i != levels.length - 1)) {
                throw new InvalidTopicException(filter, "'#' must be the whole last level of a filter");
            }
            if (level.indexOf('+') >= 0 && !level.equals("+")) {
                throw new InvalidTopicException(filter, "'+' must be a whole level of a filter");
            }
        }
    }

    private static void checkCommon(String topic) {
        if (topic == null) {
            throw new InvalidTopicException(null, "topic is null");
        }
        if (topic.isEmpty()) {
            throw new InvalidTopicException(topic, "topic is empty");
        }
        if (topic.indexOf('\u0000') >= 0) {
            throw new InvalidTopicException(topic, "contains a NUL character");
        }
        int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > IoTConnection.MAX_TOPIC_BYTES) {
            throw new InvalidTopicException(topic,
                    "is " + bytes + " bytes of UTF-8; AWS IoT Core allows at most " + IoTConnection.MAX_TOPIC_BYTES);
        }
    }

    /**
     * MQTT 3.1.1 matching: {@code +} matches one level, a trailing {@code #} any number of levels
     * (including none); filters starting with a wildcard do not match topics starting with {@code $}; a shared
     * subscription {@code $share/<group>/<filter>} matches what {@code <filter>} matches.
     *
     * @param filter a valid filter
     * @param topic  a topic
     * @return whether the filter matches the topic
     */
    static boolean matches(String filter, String topic) {
        if (filter.equals(topic)) {
            return true;
        }
        if (filter.startsWith(SHARED_PREFIX)) {
            // a shared subscription $share/<group>/<filter> receives the messages of <filter>
            int groupEnd = filter.indexOf('/', SHARED_PREFIX.length());
            return groupEnd > 0 && matches(filter.substring(groupEnd + 1), topic);
        }
        if (!topic.isEmpty() && topic.charAt(0) == '$' && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (f < fl) {
            int fEnd = filter.indexOf('/', f);
            if (fEnd < 0) {
                fEnd = fl;
            }
            int levelLength = fEnd - f;
            if (levelLength == 1 && filter.charAt(f) == '#') {
                return true;
            }
            if (t > tl) {
                // topic exhausted; "a/#" matches "a" handled by the '#' check above only if reached
                return false;
            }
            int tEnd = topic.indexOf('/', t);
            if (tEnd < 0) {
                tEnd = tl;
            }
            if (!(levelLength == 1 && filter.charAt(f) == '+')
                    && !filter.regionMatches(f, topic, t, Math.max(levelLength, tEnd - t))) {
                return false;
            }
            f = fEnd + 1;
            t = tEnd + 1;
            if (f > fl) {
                // filter consumed
                return t > tl;
            }
        }
        return t > tl;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
