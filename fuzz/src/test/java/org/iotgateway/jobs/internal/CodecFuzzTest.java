package org.iotgateway.jobs.internal;

import static org.iotgateway.fuzz.Findings.check;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.fuzz.FuzzBudget;
import org.iotgateway.fuzz.JsonOracle;
import org.iotgateway.fuzz.Hostile;
import org.junit.jupiter.api.Test;

/**
 * Every payload the jobs bundle receives (notify, notify-next, the accepted answers of get, start-next, describe and
 * update, and rejected answers) is decoded by {@link Codec}, the way {@code JobsEngine} does it. Contract:
 * {@link Codec.MalformedMessageException} naming the field for a message that cannot be understood, nothing else.
 */
class CodecFuzzTest {

    @DictionaryEntries({
            "{", "}", "[", "]", ":", ",", "null", "true", "false", "1e999", "-1e999", "1.0", "1e-400",
            "9223372036854775808", "99999999999999999999", "-0", "\"\"", "\"\\u0000\"", "\"execution\"", "\"jobs\"",
            "\"IN_PROGRESS\"", "\"QUEUED\"", "\"SUCCEEDED\"", "\"inProgressJobs\"", "\"queuedJobs\"", "\"jobId\"",
            "\"thingName\"", "\"jobDocument\"", "\"status\"", "\"statusDetails\"", "\"queuedAt\"", "\"startedAt\"",
            "\"lastUpdatedAt\"", "\"versionNumber\"", "\"executionNumber\"", "\"approximateSecondsBeforeTimedOut\"",
            "\"executionState\"", "\"timestamp\"", "\"clientToken\"", "\"code\"", "\"message\""})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void messages(byte[] payload) {
        ObjectNode o;
        try {
            o = Codec.parse(payload);
        } catch (Codec.MalformedMessageException e) {
            return;
        }
        Codec.clientToken(o);
        // $aws/things/T/jobs/notify
        try {
            Codec.notify(o);
        } catch (Codec.MalformedMessageException e) {
            // documented rejection
        }
        // notify-next, start-next/accepted, $next/get/accepted: as JobsEngine.Link.notifyNextReceived decodes it
        try {
            Optional<JobExecution> next = Codec.executionField(o, "fuzz-thing");
            Codec.instant(o, "timestamp");
            next.ifPresent(e -> {
                check(!e.jobId().isEmpty(), "an execution without a job id was accepted");
                if (e.jobDocument().isPresent()) {
                    // the document is kept as received: its JSON text parses back to the same values (numbers
                    // by value: -1e0 is written as -1)
                    JsonNode sent = o.get("execution").get("jobDocument");
                    JsonNode kept = readTree(e.jobDocument().get().json());
                    check(JsonOracle.sameValue(sent, kept), "job document " + sent + " was kept as " + kept);
                }
            });
        } catch (Codec.MalformedMessageException e) {
            // documented rejection
        }
        // get/accepted
        try {
            Codec.pendingList(o);
        } catch (Codec.MalformedMessageException e) {
            // documented rejection
        }
        // update/accepted
        try {
            Codec.updateResult(o);
        } catch (Codec.MalformedMessageException e) {
            // documented rejection
        }
        // */rejected: never fails, whatever the service sends
        JobsRejectedException rejected = Codec.rejection(o, "fuzz request");
        check(rejected.getMessage() != null, "a rejection without a message");
    }

    private static JsonNode readTree(String json) {
        try {
            // read as Codec reads messages: decimals exactly
            return Codec.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError("the kept job document is not JSON: " + json, e);
        }
    }

    @Test
    void deeplyNestedMessagesAreMalformedNotAStackOverflow() {
        assertThrows(Codec.MalformedMessageException.class, () -> Codec.parse(Hostile.nestedArraysIn("execution", 10_000)));
        assertThrows(Codec.MalformedMessageException.class, () -> Codec.parse(Hostile.nestedObjects("execution", 10_000)));
    }
}
