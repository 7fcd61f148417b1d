package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jobs MQTT API with a raw Paho client, payloads as AWS documents them. */
class JobsTest extends EmulatorTestBase {
    private String thing;
    private String prefix;
    private TestClient c;

    @BeforeEach
    void setUp() {
        thing = unique("jobthing");
        prefix = "$aws/things/" + thing + "/jobs";
        c = client(prefix + "/#");
    }

    @AfterEach
    void resetClock() {
        clock.set(T0);
    }

    private String jobId(String name) {
        return thing + "-" + name;
    }

    private JsonNode request(String op, String body, String token) {
        c.publish(prefix + "/" + op, body);
        return c.awaitToken(prefix + "/" + op + "/accepted", token);
    }

    private JsonNode rejected(String op, String body, String token) {
        c.publish(prefix + "/" + op, body);
        return c.awaitToken(prefix + "/" + op + "/rejected", token);
    }

    // ------------------------------------------------------------------ notify / notify-next

    @Test
    void queuingJobsPublishesNotifyAndNotifyNext() {
        String j1 = jobId("a");
        String j2 = jobId("b");
        emulator.createJob(j1, "{\"operation\":\"reboot\"}", thing);
        JsonNode notify = c.await(prefix + "/notify");
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + ",\"jobs\":{\"QUEUED\":[{\"jobId\":\"" + j1
                + "\",\"queuedAt\":" + T0_SECONDS + ",\"lastUpdatedAt\":" + T0_SECONDS
                + ",\"versionNumber\":1,\"executionNumber\":1}]}}"), notify);
        JsonNode next = c.await(prefix + "/notify-next");
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + ",\"execution\":{\"jobId\":\"" + j1 + "\",\"thingName\":\""
                + thing + "\",\"jobDocument\":{\"operation\":\"reboot\"},\"status\":\"QUEUED\",\"queuedAt\":"
                + T0_SECONDS + ",\"lastUpdatedAt\":" + T0_SECONDS + ",\"versionNumber\":1,\"executionNumber\":1}}"),
                next);

        emulator.createJob(j2, "{\"operation\":\"update\"}", thing);
        JsonNode notify2 = c.await(prefix + "/notify");
        assertEquals(2, notify2.at("/jobs/QUEUED").size());
        assertEquals(j2, notify2.at("/jobs/QUEUED/1/jobId").asText());
        // the next execution did not change: no notify-next
        c.expectNothing(prefix + "/notify-next", Duration.ofMillis(200));
    }

    @Test
    void notifyNextCarriesOnlyTheTimestampWhenNothingIsPending() {
        String j = jobId("only");
        emulator.createJob(j, "{}", thing);
        c.await(prefix + "/notify-next");
        c.await(prefix + "/notify");
        request(j + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"u\"}", "u");
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + "}"), c.await(prefix + "/notify-next"));
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + ",\"jobs\":{}}"), c.await(prefix + "/notify"));
    }

    // ------------------------------------------------------------------ get / start-next / describe

    @Test
    void getListsInProgressAndQueuedSummaries() {
        String j1 = jobId("1");
        String j2 = jobId("2");
        emulator.createJob(j1, "{\"n\":1}", thing);
        clock.advance(Duration.ofSeconds(10));
        emulator.createJob(j2, "{\"n\":2}", thing);
        request("start-next", "{\"clientToken\":\"s\"}", "s");
        JsonNode list = request("get", "{\"clientToken\":\"g\"}", "g");
        assertEquals(1, list.get("inProgressJobs").size());
        JsonNode ip = list.at("/inProgressJobs/0");
        assertEquals(j1, ip.get("jobId").asText());
        assertEquals(T0_SECONDS, ip.get("queuedAt").asLong());
        assertEquals(T0_SECONDS + 10, ip.get("startedAt").asLong());
        assertEquals(2, ip.get("versionNumber").asInt());
        assertEquals(1, ip.get("executionNumber").asInt());
        assertEquals(1, list.get("queuedJobs").size());
        assertEquals(j2, list.at("/queuedJobs/0/jobId").asText());
        assertFalse(list.at("/queuedJobs/0").has("startedAt"));
        assertEquals(T0_SECONDS + 10, list.get("timestamp").asLong());
    }

    @Test
    void startNextTakesInProgressFirstThenOldestQueued() {
        String j1 = jobId("first");
        String j2 = jobId("second");
        emulator.createJob(j1, "{\"step\":1}", thing);
        clock.advance(Duration.ofSeconds(1));
        emulator.createJob(j2, "{\"step\":2}", thing);

        JsonNode s1 = request("start-next", "{\"statusDetails\":{\"progress\":\"0%\"},\"clientToken\":\"s1\"}", "s1");
        JsonNode e1 = s1.get("execution");
        assertEquals(j1, e1.get("jobId").asText());
        assertEquals("IN_PROGRESS", e1.get("status").asText());
        assertEquals(json("{\"progress\":\"0%\"}"), e1.get("statusDetails"));
        assertEquals(json("{\"step\":1}"), e1.get("jobDocument"));
        assertEquals(2, e1.get("versionNumber").asInt());

        // still in progress: start-next returns it again, unchanged
        JsonNode s2 = request("start-next", "{\"clientToken\":\"s2\"}", "s2");
        assertEquals(j1, s2.at("/execution/jobId").asText());
        assertEquals(2, s2.at("/execution/versionNumber").asInt());

        request(j1 + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"u\"}", "u");
        JsonNode s3 = request("start-next", "{\"clientToken\":\"s3\"}", "s3");
        assertEquals(j2, s3.at("/execution/jobId").asText());

        request(j2 + "/update", "{\"status\":\"FAILED\",\"clientToken\":\"u2\"}", "u2");
        JsonNode none = request("start-next", "{\"clientToken\":\"s4\"}", "s4");
        assertFalse(none.has("execution"), none.toString());
        assertTrue(none.has("timestamp"));
    }

    @Test
    void describeByIdAndNext() {
        String j1 = jobId("d1");
        emulator.createJob(j1, "{\"url\":\"https://example.com/fw.bin\"}", thing);
        JsonNode d = request(j1 + "/get", "{\"clientToken\":\"d\"}", "d");
        assertEquals(json("{\"url\":\"https://example.com/fw.bin\"}"), d.at("/execution/jobDocument"));
        assertEquals("QUEUED", d.at("/execution/status").asText());

        JsonNode noDoc = request(j1 + "/get", "{\"includeJobDocument\":false,\"clientToken\":\"nd\"}", "nd");
        assertFalse(noDoc.get("execution").has("jobDocument"));

        JsonNode next = request("$next/get", "{\"clientToken\":\"n\"}", "n");
        assertEquals(j1, next.at("/execution/jobId").asText());

        JsonNode numbered = request(j1 + "/get", "{\"executionNumber\":1,\"clientToken\":\"e1\"}", "e1");
        assertEquals(1, numbered.at("/execution/executionNumber").asInt());
        JsonNode wrongNumber = rejected(j1 + "/get", "{\"executionNumber\":2,\"clientToken\":\"e2\"}", "e2");
        assertEquals("ResourceNotFound", wrongNumber.get("code").asText());
        JsonNode unknown = rejected(jobId("nope") + "/get", "{\"clientToken\":\"x\"}", "x");
        assertEquals("ResourceNotFound", unknown.get("code").asText());
        assertFalse(unknown.has("executionState"));

        request(j1 + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"u\"}", "u");
        JsonNode terminal = rejected(j1 + "/get", "{\"clientToken\":\"t\"}", "t");
        assertEquals("TerminalStateReached", terminal.get("code").asText());
        JsonNode nothingNext = request("$next/get", "{\"clientToken\":\"n2\"}", "n2");
        assertFalse(nothingNext.has("execution"));
    }

    // ------------------------------------------------------------------ update

    @Test
    void updateAcceptsExpectedVersionAsNumberOrString() {
        String j = jobId("v");
        emulator.createJob(j, "{\"a\":1}", thing);
        JsonNode u1 = request(j + "/update", "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":1,"
                + "\"statusDetails\":{\"step\":\"download\"},\"includeJobExecutionState\":true,\"clientToken\":\"u1\"}",
                "u1");
        assertEquals(json("{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"step\":\"download\"},\"versionNumber\":2}"),
                u1.get("executionState"));
        assertFalse(u1.has("jobDocument"));
        assertEquals(T0_SECONDS, u1.get("timestamp").asLong());

        // Python v1 sends numbers as strings
        JsonNode u2 = request(j + "/update", "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":\"2\","
                + "\"executionNumber\":\"1\",\"statusDetails\":{\"step\":\"install\"},\"includeJobExecutionState\":true,"
                + "\"includeJobDocument\":true,\"clientToken\":\"u2\"}", "u2");
        assertEquals(3, u2.at("/executionState/versionNumber").asInt());
        assertEquals(json("{\"a\":1}"), u2.get("jobDocument"));

        JsonNode plain = request(j + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"u3\"}", "u3");
        assertFalse(plain.has("executionState"));
        assertEquals("SUCCEEDED", emulator.jobExecution(thing, j).orElseThrow().status());
        assertEquals(java.util.Map.of("step", "install"), emulator.jobExecution(thing, j).orElseThrow().statusDetails());
    }

    @Test
    void versionMismatchIsRejectedWithTheExecutionState() {
        String j = jobId("vm");
        emulator.createJob(j, "{}", thing);
        request(j + "/update", "{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"p\":\"1\"},\"clientToken\":\"a\"}", "a");
        JsonNode rej = rejected(j + "/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":\"1\",\"clientToken\":\"b\"}",
                "b");
        assertEquals("VersionMismatch", rej.get("code").asText());
        assertEquals(json("{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"p\":\"1\"},\"versionNumber\":2}"),
                rej.get("executionState"));
        assertTrue(rej.has("message"));
        assertEquals(T0_SECONDS, rej.get("timestamp").asLong());
        assertEquals("IN_PROGRESS", emulator.jobExecution(thing, j).orElseThrow().status());
    }

    @Test
    void invalidStateTransitionIsRejectedWithTheExecutionState() {
        String j = jobId("ist");
        emulator.createJob(j, "{}", thing);
        request(j + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"a\"}", "a");
        JsonNode rej = rejected(j + "/update", "{\"status\":\"IN_PROGRESS\",\"clientToken\":\"b\"}", "b");
        assertEquals("InvalidStateTransition", rej.get("code").asText());
        assertEquals(json("{\"status\":\"SUCCEEDED\",\"versionNumber\":2}"), rej.get("executionState"));

        String j2 = jobId("ist2");
        emulator.createJob(j2, "{}", thing);
        JsonNode toQueued = rejected(j2 + "/update", "{\"status\":\"QUEUED\",\"clientToken\":\"c\"}", "c");
        assertEquals("InvalidStateTransition", toQueued.get("code").asText());
        JsonNode bogus = rejected(j2 + "/update", "{\"status\":\"DONE\",\"clientToken\":\"d\"}", "d");
        assertEquals("InvalidRequest", bogus.get("code").asText());
        assertFalse(bogus.has("executionState"));
    }

    // ------------------------------------------------------------------ step timeout

    @Test
    void stepTimeoutMovesTheExecutionToTimedOut() {
        String j = jobId("slow");
        emulator.createJob(j, "{}", thing);
        c.await(prefix + "/notify-next");
        JsonNode s = request("start-next", "{\"stepTimeoutInMinutes\":1,\"clientToken\":\"s\"}", "s");
        assertEquals(60, s.at("/execution/approximateSecondsBeforeTimedOut").asInt());

        clock.advance(Duration.ofSeconds(59));
        assertEquals(0, emulator.checkTimeouts());
        clock.advance(Duration.ofSeconds(2));
        // the periodic sweep may have got there first; either way the execution is timed out now
        assertTrue(emulator.checkTimeouts() <= 1);
        JobExecution e = emulator.jobExecution(thing, j).orElseThrow();
        assertEquals("TIMED_OUT", e.status());
        assertEquals(3, e.versionNumber());
        assertEquals(json("{\"timestamp\":" + (T0_SECONDS + 61) + "}"), c.await(prefix + "/notify-next"));

        JsonNode late = rejected(j + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"late\"}", "late");
        assertEquals("InvalidStateTransition", late.get("code").asText());
        assertEquals("TIMED_OUT", late.at("/executionState/status").asText());
    }

    @Test
    void anUpdateWithANewStepTimeoutResetsTheTimerAndTheSweeperExpiresIt() {
        String j = jobId("reset");
        emulator.createJob(j, "{}", thing);
        request("start-next", "{\"stepTimeoutInMinutes\":1,\"clientToken\":\"s\"}", "s");
        clock.advance(Duration.ofSeconds(50));
        request(j + "/update", "{\"status\":\"IN_PROGRESS\",\"stepTimeoutInMinutes\":2,\"clientToken\":\"u\"}", "u");
        clock.advance(Duration.ofSeconds(60)); // 110 s after start, 60 s after the reset
        assertEquals(0, emulator.checkTimeouts());
        assertEquals("IN_PROGRESS", emulator.jobExecution(thing, j).orElseThrow().status());
        clock.advance(Duration.ofSeconds(61));
        // no explicit check: the emulator's periodic sweep (every 200 ms here) expires it
        JsonNode next = c.await(prefix + "/notify-next", n -> !n.has("execution")).json();
        assertEquals(T0_SECONDS + 171, next.get("timestamp").asLong());
        assertEquals("TIMED_OUT", emulator.jobExecution(thing, j).orElseThrow().status());
    }

    // ------------------------------------------------------------------ cancellation

    @Test
    void cancelingQueuedAndInProgressExecutions() {
        String queued = jobId("q");
        String running = jobId("r");
        emulator.createJob(running, "{}", thing);
        emulator.createJob(queued, "{}", thing);
        request("start-next", "{\"clientToken\":\"s\"}", "s");
        c.await(prefix + "/notify", n -> n.at("/jobs").has("IN_PROGRESS"));

        assertTrue(emulator.cancelJobExecution(thing, queued, false));
        JsonNode notify = c.await(prefix + "/notify", n -> !n.at("/jobs").has("QUEUED")).json();
        assertFalse(notify.at("/jobs").has("QUEUED"), notify.toString());
        assertEquals(running, notify.at("/jobs/IN_PROGRESS/0/jobId").asText());
        assertEquals("CANCELED", emulator.jobExecution(thing, queued).orElseThrow().status());

        assertThrows(IllegalStateException.class, () -> emulator.cancelJobExecution(thing, running, false));
        assertEquals(0, emulator.cancelJob(running, false));
        assertEquals(1, emulator.cancelJob(running, true));
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + "}"),
                c.await(prefix + "/notify-next", n -> !n.has("execution")).json());

        JsonNode rej = rejected(running + "/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"x\"}", "x");
        assertEquals("InvalidStateTransition", rej.get("code").asText());
        assertEquals("CANCELED", rej.at("/executionState/status").asText());
        assertFalse(emulator.cancelJobExecution(thing, running, true), "already terminal");
    }

    @Test
    void removingAnExecutionMarksItRemoved() {
        String j = jobId("rm");
        emulator.createJob(j, "{}", thing);
        c.await(prefix + "/notify-next");
        assertTrue(emulator.removeJobExecution(thing, j));
        assertEquals("REMOVED", emulator.jobExecution(thing, j).orElseThrow().status());
        assertEquals(json("{\"timestamp\":" + T0_SECONDS + "}"), c.await(prefix + "/notify-next"));
        JsonNode list = request("get", "{\"clientToken\":\"g\"}", "g");
        assertEquals(0, list.get("queuedJobs").size());
    }

    @Test
    void cancelJobCoversEveryTarget() {
        String j = jobId("fleet");
        String other = unique("jobthing");
        emulator.createJob(j, "{}", thing, other);
        assertEquals(2, emulator.cancelJob(j, false));
        assertEquals("CANCELED", emulator.jobExecution(other, j).orElseThrow().status());
        assertThrows(IllegalStateException.class, () -> emulator.createJob(j, "{}", thing));
        assertThrows(IllegalArgumentException.class, () -> emulator.createJob(jobId("bad"), "[1]", thing));
        assertThrows(IllegalArgumentException.class, () -> emulator.createJob("bad id!", "{}", thing));
    }

    // ------------------------------------------------------------------ errors

    @Test
    void badRequestsGetTheDocumentedErrorCodes() {
        String j = jobId("err");
        emulator.createJob(j, "{}", thing);

        c.publish(prefix + "/start-next", "{not json");
        JsonNode invalidJson = c.await(prefix + "/start-next/rejected");
        assertEquals("InvalidJson", invalidJson.get("code").asText());
        assertTrue(invalidJson.has("timestamp"));

        JsonNode details = rejected(j + "/update", "{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"n\":5},"
                + "\"clientToken\":\"d\"}", "d");
        assertEquals("InvalidRequest", details.get("code").asText());
        JsonNode version = rejected(j + "/update", "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":\"one\","
                + "\"clientToken\":\"v\"}", "v");
        assertEquals("InvalidRequest", version.get("code").asText());
        JsonNode timeout = rejected("start-next", "{\"stepTimeoutInMinutes\":0,\"clientToken\":\"t\"}", "t");
        assertEquals("InvalidRequest", timeout.get("code").asText());
        JsonNode missingStatus = rejected(j + "/update", "{\"clientToken\":\"m\"}", "m");
        assertEquals("InvalidRequest", missingStatus.get("code").asText());

        c.publish(prefix + "/no-such-api", "{\"clientToken\":\"topic\"}");
        JsonNode topic = c.awaitToken(prefix + "/no-such-api/rejected", "topic");
        assertEquals("InvalidTopic", topic.get("code").asText());

        // none of this changed the execution
        JobExecution e = emulator.jobExecution(thing, j).orElseThrow();
        assertEquals("QUEUED", e.status());
        assertEquals(1, e.versionNumber());
    }
}
