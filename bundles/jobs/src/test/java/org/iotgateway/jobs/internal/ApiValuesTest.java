package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.jobs.JobDocument;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobOutcome;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobsErrorCode;
import org.junit.jupiter.api.Test;

/** The value types of org.iotgateway.api.jobs (tested here: the API module holds no tests of this package). */
class ApiValuesTest {

    @Test
    void statuses() {
        assertEquals(8, JobExecutionStatus.values().length);
        assertFalse(JobExecutionStatus.QUEUED.isTerminal());
        assertFalse(JobExecutionStatus.IN_PROGRESS.isTerminal());
        for (String s : List.of("SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED", "REMOVED", "CANCELED")) {
            assertTrue(JobExecutionStatus.of(s).isTerminal(), s);
        }
        assertTrue(JobExecutionStatus.REJECTED.isDeviceSettable());
        assertFalse(JobExecutionStatus.CANCELED.isDeviceSettable());
        assertThrows(InvalidRequestException.class, () -> JobExecutionStatus.of("DONE"));
    }

    @Test
    void errorCodes() {
        assertEquals(JobsErrorCode.TERMINAL_STATE_REACHED, JobsErrorCode.of("TerminalStateReached"));
        assertEquals(JobsErrorCode.REQUEST_THROTTLED, JobsErrorCode.of("RequestThrottled"));
        assertEquals(JobsErrorCode.UNKNOWN, JobsErrorCode.of("Unknown"));
        assertEquals(JobsErrorCode.UNKNOWN, JobsErrorCode.of(null));
        assertEquals("InvalidJson", JobsErrorCode.INVALID_JSON.code());
    }

    @Test
    void updatesCheckTheirArguments() {
        assertThrows(InvalidRequestException.class, () -> JobUpdate.status(JobExecutionStatus.CANCELED));
        assertThrows(InvalidRequestException.class, () -> JobUpdate.status(null));
        JobUpdate.Builder b = JobUpdate.status(JobExecutionStatus.IN_PROGRESS);
        assertThrows(InvalidRequestException.class, () -> b.stepTimeoutMinutes(0));
        assertThrows(InvalidRequestException.class, () -> b.stepTimeoutMinutes(10081));
        assertThrows(InvalidRequestException.class, () -> b.expectedVersion(-1));
        assertThrows(InvalidRequestException.class, () -> b.executionNumber(0));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> b.statusDetails(Map.of("a b", "x")));
        assertTrue(e.getMessage().contains("'a b'"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> b.statusDetails(Map.of("k", "")));
        assertThrows(InvalidRequestException.class, () -> b.statusDetails(Map.of("k", "line\nbreak")));
        assertThrows(InvalidRequestException.class, () -> b.statusDetails(Map.of("k", "x".repeat(1025))));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThrows(InvalidRequestException.class, () -> b.statusDetails(nullValue));
        JobUpdate u = b.statusDetails(Map.of("k", "v")).expectedVersion(3).build();
        assertEquals(3, u.expectedVersion().getAsLong());
        assertFalse(u.stepTimeoutMinutes().isPresent());
        assertThrows(UnsupportedOperationException.class, () -> u.statusDetails().put("x", "y"));
    }

    @Test
    void outcomesCarryASafeReason() {
        assertEquals(JobExecutionStatus.SUCCEEDED, JobOutcome.succeeded().status());
        assertTrue(JobOutcome.succeeded().statusDetails().isEmpty());
        JobOutcome f = JobOutcome.failed("line 1\nline 2\t", Map.of("code", "E42"));
        assertEquals(JobExecutionStatus.FAILED, f.status());
        assertEquals("line 1 line 2", f.reason().orElseThrow());
        assertEquals("E42", f.statusDetails().get("code"));
        assertEquals(1024, JobOutcome.rejected("x".repeat(5000)).reason().orElseThrow().length());
        assertEquals("failed", JobOutcome.failed(null).reason().orElseThrow());
        assertEquals("rejected", JobOutcome.rejected("  ").reason().orElseThrow());
        assertEquals("new", JobOutcome.failed("new", Map.of("reason", "old")).reason().orElseThrow());
        assertThrows(InvalidRequestException.class, () -> JobOutcome.succeeded(Map.of("bad key!", "v")));
    }

    @Test
    void documentsAreDeepImmutableCopies() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("x", new ArrayList<>(List.of(1, 2)));
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("operation", "reboot");
        content.put("nested", nested);
        content.put("nothing", null);
        JobDocument d = JobDocument.of("{\"operation\":\"reboot\"}", content);
        nested.put("y", "changed later");
        assertFalse(((Map<?, ?>) d.content().get("nested")).containsKey("y"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) ((Map<?, ?>) d.content().get("nested")).get("x")).add(null));
        assertEquals("reboot", d.operation().orElseThrow());
        assertTrue(d.content().containsKey("nothing"));
        assertFalse(d.get("nothing").isPresent());
        assertThrows(IllegalArgumentException.class, () -> JobDocument.of("{}", Map.of("k", new Object())));
        assertEquals(Arrays.asList(1, 2), ((Map<?, ?>) d.content().get("nested")).get("x"));
    }

    @Test
    void executionsAreValues() {
        JobExecution a = JobExecution.builder("j", "t", JobExecutionStatus.QUEUED).versionNumber(1).executionNumber(1)
                .statusDetails(Map.of("a", "b")).build();
        JobExecution b = JobExecution.builder("j", "t", JobExecutionStatus.QUEUED).versionNumber(1).executionNumber(1)
                .statusDetails(Map.of("a", "b")).build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("JobExecution[j #1 on t: QUEUED, version 1, details {a=b}]", a.toString());
        assertThrows(NullPointerException.class, () -> JobExecution.builder(null, "t", JobExecutionStatus.QUEUED).build());
    }
}
