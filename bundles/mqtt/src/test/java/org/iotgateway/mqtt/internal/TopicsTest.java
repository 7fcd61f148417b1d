package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.iotgateway.api.InvalidTopicException;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void acceptsTopicsWithinAwsLimits() {
        assertDoesNotThrow(() -> Topics.validateTopic("a"));
        assertDoesNotThrow(() -> Topics.validateTopic("a/b/c/d/e/f/g/h")); // 7 slashes
        assertDoesNotThrow(() -> Topics.validateTopic("x".repeat(256)));
        assertDoesNotThrow(() -> Topics.validateTopic("$aws/things/t/shadow/name/s/update/accepted")); // reserved: slashes not counted
        assertDoesNotThrow(() -> Topics.validateTopic("temp/ü/°C"));
    }

    @Test
    void rejectsBadTopicsNamingTheRule() {
        assertMessage(() -> Topics.validateTopic(null), "null");
        assertMessage(() -> Topics.validateTopic(""), "empty");
        assertMessage(() -> Topics.validateTopic("a/+/c"), "wildcard '+'");
        assertMessage(() -> Topics.validateTopic("a/#"), "wildcard '#'");
        assertMessage(() -> Topics.validateTopic("a/b/c/d/e/f/g/h/i"), "8 forward slashes");
        assertMessage(() -> Topics.validateTopic("x".repeat(257)), "257 bytes");
        assertMessage(() -> Topics.validateTopic("ü".repeat(129)), "258 bytes"); // 2 bytes each in UTF-8
        assertMessage(() -> Topics.validateTopic("a\u0000b"), "NUL");
    }

    @Test
    void validatesFilters() {
        assertDoesNotThrow(() -> Topics.validateFilter("#"));
        assertDoesNotThrow(() -> Topics.validateFilter("a/+/c/#"));
        assertDoesNotThrow(() -> Topics.validateFilter("$aws/things/+/shadow/#"));
        assertMessage(() -> Topics.validateFilter("a/#/c"), "'#' must be the whole last level");
        assertMessage(() -> Topics.validateFilter("a/b#"), "'#' must be the whole last level");
        assertMessage(() -> Topics.validateFilter("a/b+/c"), "'+' must be a whole level");
        assertMessage(() -> Topics.validateFilter(""), "empty");
    }

    @Test
    void matchesLikeMqtt() {
        assertTrue(Topics.matches("a/b", "a/b"));
        assertFalse(Topics.matches("a/b", "a/bc"));
        assertFalse(Topics.matches("a/bc", "a/b"));
        assertTrue(Topics.matches("a/+", "a/b"));
        assertFalse(Topics.matches("a/+", "a"));
        assertFalse(Topics.matches("a/+", "a/b/c"));
        assertTrue(Topics.matches("a/+", "a/"));
        assertTrue(Topics.matches("a/#", "a"));
        assertTrue(Topics.matches("a/#", "a/b/c"));
        assertTrue(Topics.matches("#", "a/b"));
        assertTrue(Topics.matches("+/+", "/x"));
        assertFalse(Topics.matches("a", "a/b"));
        assertFalse(Topics.matches("a/b", "a/b/"));
        assertTrue(Topics.matches("+/b/+", "x/b/y"));
        assertFalse(Topics.matches("#", "$aws/things/x"));
        assertFalse(Topics.matches("+/things/x", "$aws/things/x"));
        assertTrue(Topics.matches("$aws/things/+/shadow/#", "$aws/things/t1/shadow/update/delta"));
        assertFalse(Topics.matches("$aws/things/+/shadow/#", "$aws/things/t1/jobs/notify"));
    }

    private static void assertMessage(Runnable r, String expected) {
        InvalidTopicException e = assertThrows(InvalidTopicException.class, r::run);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
