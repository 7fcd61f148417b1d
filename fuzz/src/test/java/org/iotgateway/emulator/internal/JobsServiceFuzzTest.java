package org.iotgateway.emulator.internal;

import static org.iotgateway.fuzz.Findings.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;

import org.iotgateway.emulator.JobExecution;
import org.iotgateway.fuzz.Frames;
import org.iotgateway.fuzz.FuzzBudget;
import org.iotgateway.fuzz.Hostile;
import org.junit.jupiter.api.Test;

/**
 * The emulator's jobs service receives any client's MQTT payload on {@code $aws/things/T/jobs/...}. Contract: every
 * request gets exactly one answer on its /accepted or /rejected topic, never InternalError (the answer to an
 * exception); a rejected request changes no execution; version numbers never go down.
 */
class JobsServiceFuzzTest {

    private static final String THING = "fuzz-thing";
    private static final String[] JOBS = {"job-1", "job-2", "job-3"};

    private record Published(String topic, byte[] payload) {
    }

    /**
     * @param input up to 8 requests separated by a zero byte; each starts with one byte selecting the topic (see
     *              {@link #topic}), the rest is the payload
     */
    @DictionaryEntries({
            "{", "}", "[", "]", ":", ",", "null", "true", "false", "1e999", "-1e999", "1.0", "1e-400",
            "9223372036854775808", "99999999999999999999", "-0", "\"\"", "\"\\u0000\"", "\"status\"",
            "\"statusDetails\"", "\"expectedVersion\"", "\"executionNumber\"", "\"includeJobExecutionState\"",
            "\"includeJobDocument\"", "\"stepTimeoutInMinutes\"", "\"clientToken\"", "\"IN_PROGRESS\"",
            "\"SUCCEEDED\"", "\"FAILED\"", "\"REJECTED\"", "\"QUEUED\"", "\\x00\\x03", "\\x00\\x01"})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void requests(byte[] input) {
        List<Published> published = new ArrayList<>();
        JobsService service = new JobsService((topic, payload) -> published.add(new Published(topic, payload)),
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        for (String job : JOBS) {
            service.addExecution(THING, job, Json.parseText("{\"operation\":\"install\",\"url\":\"https://example.com/"
                    + job + "\"}", "document"));
        }
        for (byte[] request : Frames.split(input, 8)) {
            if (request.length == 0) {
                continue;
            }
            String[] rest = topic(request[0] & 0xFF);
            byte[] payload = Arrays.copyOfRange(request, 1, request.length);
            List<JobExecution> before = service.snapshots(THING);
            published.clear();
            service.handle(THING, rest, payload);
            List<JobExecution> after = service.snapshots(THING);
            String topic = "$aws/things/" + THING + "/jobs/" + String.join("/", rest);
            List<Published> answers = published.stream()
                    .filter(p -> p.topic().equals(topic + "/accepted") || p.topic().equals(topic + "/rejected")).toList();
            check(answers.size() == 1, "answers to " + topic + ": " + answers.size());
            Published answer = answers.get(0);
            JsonNode body = Json.parse(answer.payload());
            check(body != null && body.isObject(), "the answer is not a JSON object");
            if (answer.topic().endsWith("/rejected")) {
                String code = body.path("code").asText();
                check(!"InternalError".equals(code), "request on " + topic + " with "
                        + new String(payload, StandardCharsets.UTF_8) + " failed inside the service: " + body);
                check(before.equals(after), "rejected request (" + code + ") changed " + before + " to " + after);
            }
            for (int j = 0; j < before.size(); j++) {
                check(after.get(j).versionNumber() >= before.get(j).versionNumber(), "a version number went down");
            }
        }
    }

    /** value % 6 selects the operation, value / 6 % 6 the job id. */
    private static String[] topic(int selector) {
        String job = new String[] {JOBS[0], JOBS[1], JOBS[2], "$next", "no-such-job", "bad job id!"}[selector / 6 % 6];
        switch (selector % 6) {
            case 0:
                return new String[] {"get"};
            case 1:
                return new String[] {"start-next"};
            case 2:
                return new String[] {job, "get"};
            case 3:
                return new String[] {job, "update"};
            case 4:
                return new String[] {job};
            default:
                return new String[] {job, "update", "extra"};
        }
    }

    @Test
    void deeplyNestedRequestsAreRejectedNotAStackOverflow() {
        List<Published> published = new ArrayList<>();
        JobsService service = new JobsService((topic, payload) -> published.add(new Published(topic, payload)),
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
        service.handle(THING, new String[] {"start-next"}, Hostile.nestedArraysIn("statusDetails", 10_000));
        service.handle(THING, new String[] {"start-next"}, Hostile.nestedObjects("statusDetails", 10_000));
        assertEquals(2, published.size());
        for (Published p : published) {
            assertEquals("$aws/things/" + THING + "/jobs/start-next/rejected", p.topic());
            assertEquals("InvalidJson", Json.parse(p.payload()).get("code").asText());
        }
    }
}
