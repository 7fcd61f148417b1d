package org.iotgateway.jobs.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobUpdateResult;
import org.iotgateway.api.jobs.JobsErrorCode;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.api.jobs.PendingJobs;
import org.junit.jupiter.api.Test;

class CodecTest {

    private static ObjectNode json(String s) {
        return Codec.parse(s.replace('\'', '"').getBytes(UTF_8));
    }

    @Test
    void decodesAnExecutionWithEveryField() {
        ObjectNode o = json("{'execution':{'jobId':'j1','thingName':'t1','jobDocument':{'operation':'reboot','n':1,"
                + "'big':12345678901,'f':1.5,'list':[1,'a',null,true],'nested':{'x':null}},'status':'IN_PROGRESS',"
                + "'statusDetails':{'step':'2'},'queuedAt':1700000000,'startedAt':1700000010,'lastUpdatedAt':1700000020,"
                + "'versionNumber':3,'executionNumber':1,'approximateSecondsBeforeTimedOut':59,'unknown':'ignored'},"
                + "'timestamp':1700000030,'clientToken':'tok'}");
        JobExecution e = Codec.executionField(o, "fallback").orElseThrow();
        assertEquals("j1", e.jobId());
        assertEquals("t1", e.thingName());
        assertEquals(JobExecutionStatus.IN_PROGRESS, e.status());
        assertEquals(Map.of("step", "2"), e.statusDetails());
        assertEquals(Instant.ofEpochSecond(1700000000), e.queuedAt().orElseThrow());
        assertEquals(Instant.ofEpochSecond(1700000010), e.startedAt().orElseThrow());
        assertEquals(Instant.ofEpochSecond(1700000020), e.lastUpdatedAt().orElseThrow());
        assertEquals(3, e.versionNumber());
        assertEquals(1, e.executionNumber());
        assertEquals(59, e.approximateSecondsBeforeTimedOut().getAsLong());
        Map<String, Object> doc = e.jobDocument().orElseThrow().content();
        assertEquals("reboot", doc.get("operation"));
        assertEquals(1, doc.get("n"));
        assertEquals(12345678901L, doc.get("big"));
        assertEquals(1.5, ((Number) doc.get("f")).doubleValue());
        assertEquals(Arrays.asList(1, "a", null, true), doc.get("list"));
        assertTrue(((Map<?, ?>) doc.get("nested")).containsKey("x"));
        assertEquals("tok", Codec.clientToken(o).orElseThrow());
        assertThrows(UnsupportedOperationException.class, () -> doc.put("x", "y"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) doc.get("list")).clear());
    }

    @Test
    void acceptsNumbersAsStringsAndMissingOptionalFields() {
        JobExecution e = Codec.execution(json("{'jobId':'j','status':'QUEUED','versionNumber':'7','executionNumber':'2'}"),
                "thing-from-topic");
        assertEquals("thing-from-topic", e.thingName());
        assertEquals(7, e.versionNumber());
        assertEquals(2, e.executionNumber());
        assertFalse(e.jobDocument().isPresent());
        assertFalse(e.startedAt().isPresent());
        assertTrue(e.statusDetails().isEmpty());
    }

    @Test
    void noExecutionFieldMeansNothingPending() {
        assertFalse(Codec.executionField(json("{'timestamp':1,'clientToken':'x'}"), "t").isPresent());
    }

    @Test
    void malformedMessagesNameTheField() {
        assertEquals("not a JSON object", assertThrows(Codec.MalformedMessageException.class,
                () -> Codec.parse("[1]".getBytes(UTF_8))).getMessage());
        assertTrue(assertThrows(Codec.MalformedMessageException.class, () -> Codec.parse("{".getBytes(UTF_8))).getMessage()
                .startsWith("not valid JSON"));
        assertEquals("execution.status 'PAUSED' is not a known status", assertThrows(Codec.MalformedMessageException.class,
                () -> Codec.executionField(json("{'execution':{'jobId':'j','status':'PAUSED'}}"), "t")).getMessage());
        assertEquals("execution.jobId is missing", assertThrows(Codec.MalformedMessageException.class,
                () -> Codec.executionField(json("{'execution':{'status':'QUEUED'}}"), "t")).getMessage());
        assertEquals("versionNumber 'x' is not a number", assertThrows(Codec.MalformedMessageException.class,
                () -> Codec.execution(json("{'jobId':'j','status':'QUEUED','versionNumber':'x'}"), "t")).getMessage());
    }

    @Test
    void documentsThatAreNotObjectsKeepTheirText() {
        JobExecution e = Codec.execution(json("{'jobId':'j','status':'QUEUED','jobDocument':[1,2]}"), "t");
        assertEquals("[1,2]", e.jobDocument().orElseThrow().json());
        assertTrue(e.jobDocument().get().content().isEmpty());
        assertFalse(e.jobDocument().get().operation().isPresent());
    }

    @Test
    void decodesPendingListsAndNotify() {
        PendingJobs list = Codec.pendingList(json("{'inProgressJobs':[{'jobId':'a','queuedAt':1,'startedAt':2,"
                + "'lastUpdatedAt':3,'versionNumber':2,'executionNumber':1}],'queuedJobs':[{'jobId':'b','queuedAt':4,"
                + "'lastUpdatedAt':4,'versionNumber':1,'executionNumber':1}],'timestamp':5}"));
        assertEquals("a", list.inProgress().get(0).jobId());
        assertEquals(Instant.ofEpochSecond(2), list.inProgress().get(0).startedAt().orElseThrow());
        assertEquals("b", list.queued().get(0).jobId());
        assertEquals(Instant.ofEpochSecond(5), list.timestamp());
        assertTrue(list.contains("a") && list.contains("b") && !list.contains("c"));

        PendingJobs notify = Codec.notify(json("{'timestamp':9,'jobs':{'QUEUED':[{'jobId':'q','versionNumber':1,"
                + "'executionNumber':1}]}}"));
        assertEquals(List.of(), notify.inProgress());
        assertEquals("q", notify.queued().get(0).jobId());
        assertTrue(Codec.notify(json("{'timestamp':9,'jobs':{}}")).isEmpty());
    }

    @Test
    void decodesRejectionsWithAndWithoutState() {
        JobsRejectedException r = Codec.rejection(json("{'code':'VersionMismatch','message':'Expected 3 but is 4',"
                + "'clientToken':'t','timestamp':1,'executionState':{'status':'IN_PROGRESS','statusDetails':{'a':'b'},"
                + "'versionNumber':4}}"), "update of job j on thing t");
        assertEquals(JobsErrorCode.VERSION_MISMATCH, r.errorCode());
        assertEquals(4, r.executionState().orElseThrow().versionNumber());
        assertEquals(Map.of("a", "b"), r.executionState().get().statusDetails());
        assertEquals("update of job j on thing t rejected: VersionMismatch: Expected 3 but is 4 (execution is IN_PROGRESS, "
                + "version 4)", r.getMessage());

        JobsRejectedException other = Codec.rejection(json("{'code':'SomethingNew','message':'?'}"), "x");
        assertEquals(JobsErrorCode.UNKNOWN, other.errorCode());
        assertEquals("SomethingNew", other.code());
        assertFalse(other.executionState().isPresent());
    }

    @Test
    void encodesRequests() {
        ObjectNode u = Codec.updateRequest(JobUpdate.status(JobExecutionStatus.IN_PROGRESS)
                .statusDetails(Map.of("step", "1")).expectedVersion(3).executionNumber(1)
                .includeJobExecutionState(true).stepTimeoutMinutes(5).build());
        assertEquals("{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"step\":\"1\"},\"expectedVersion\":3,"
                + "\"executionNumber\":1,\"includeJobExecutionState\":true,\"stepTimeoutInMinutes\":5}", u.toString());
        assertEquals("{\"status\":\"SUCCEEDED\"}",
                Codec.updateRequest(JobUpdate.status(JobExecutionStatus.SUCCEEDED).build()).toString());
        assertEquals("{\"stepTimeoutInMinutes\":2}", Codec.startNextRequest(Map.of(), 2).toString());
        assertEquals("{}", Codec.startNextRequest(Map.of(), 0).toString());
        assertEquals("{\"executionNumber\":2,\"includeJobDocument\":false}", Codec.describeRequest(2, false).toString());
        assertEquals("{\"includeJobDocument\":true}", Codec.describeRequest(0, true).toString());
    }

    @Test
    void decodesUpdateResults() {
        JobUpdateResult r = Codec.updateResult(json("{'executionState':{'status':'SUCCEEDED','versionNumber':5},"
                + "'jobDocument':{'operation':'x'},'timestamp':7}"));
        assertEquals(JobExecutionStatus.SUCCEEDED, r.executionState().orElseThrow().status());
        assertEquals("x", r.jobDocument().orElseThrow().operation().orElseThrow());
        JobUpdateResult bare = Codec.updateResult(json("{'timestamp':7}"));
        assertFalse(bare.executionState().isPresent());
        assertFalse(bare.jobDocument().isPresent());
    }

    @Test
    void fractionalTimestamps() {
        assertEquals(Instant.ofEpochSecond(10, 500_000_000), Codec.instant(json("{'t':10.5}"), "t"));
        assertNull(Codec.instant(json("{}"), "t"));
    }

    /** Found by fuzzing: times beyond the range of Instant threw DateTimeException instead of the documented rejection. */
    @Test
    void timestampsBeyondTheRangeOfInstantAreMalformed() {
        for (String t : new String[] {"9223372036854775807", "99999999999999999999", "1e300", "-1e300", "'31556889864403200'"}) {
            Codec.MalformedMessageException e = assertThrows(Codec.MalformedMessageException.class,
                    () -> Codec.instant(json("{'timestamp':" + t + "}"), "timestamp"), t);
            assertTrue(e.getMessage().startsWith("timestamp "), e.getMessage());
        }
        assertThrows(Codec.MalformedMessageException.class, () -> Codec.notify(json("{'timestamp':1e300}")));
        assertThrows(Codec.MalformedMessageException.class,
                () -> Codec.executionField(json("{'execution':{'jobId':'j','status':'QUEUED','queuedAt':99999999999999999999}}"), "t"));
        assertEquals(Instant.ofEpochSecond(Instant.MAX.getEpochSecond()),
                Codec.instant(json("{'t':" + Instant.MAX.getEpochSecond() + "}"), "t"));
    }

    /** A job document reaches the handler as sent: 1e999 was turned into Infinity and written back as "Infinity". */
    @Test
    void jobDocumentNumbersBeyondTheRangeOfADoubleAreKeptExactly() {
        JobExecution e = Codec.executionField(json("{'execution':{'jobId':'j','status':'QUEUED',"
                + "'jobDocument':{'big':1e999,'f':1.5,'g':2.50,'list':[-1e999]}}}"), "t").orElseThrow();
        assertEquals("{\"big\":1E+999,\"f\":1.5,\"g\":2.50,\"list\":[-1E+999]}", e.jobDocument().orElseThrow().json());
        Map<String, Object> content = e.jobDocument().orElseThrow().content();
        assertEquals(new java.math.BigDecimal("1e999"), content.get("big"));
        assertEquals(1.5, content.get("f"));
        assertEquals(2.5, content.get("g"));
        assertEquals(List.of(new java.math.BigDecimal("-1e999")), content.get("list"));
        Map<String, Object> precise = Codec.document(Codec.parse("{\"p\":92233720368547758083.0}".getBytes(UTF_8))).content();
        assertEquals(new java.math.BigDecimal("92233720368547758083.0"), precise.get("p"));
    }
}
