package org.iotgateway.jobs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class JobsTopicsTest {

    @Test
    void requestTopics() {
        assertEquals("$aws/things/gw-1/jobs/get", JobsTopics.list("gw-1"));
        assertEquals("$aws/things/gw-1/jobs/start-next", JobsTopics.startNext("gw-1"));
        assertEquals("$aws/things/gw-1/jobs/j-1/get", JobsTopics.describe("gw-1", "j-1"));
        assertEquals("$aws/things/gw-1/jobs/$next/get", JobsTopics.describe("gw-1", "$next"));
        assertEquals("$aws/things/gw-1/jobs/j-1/update", JobsTopics.update("gw-1", "j-1"));
    }

    @Test
    void sixFiltersPerThingOrShared() {
        assertEquals(List.of("$aws/things/t/jobs/notify", "$aws/things/t/jobs/notify-next", "$aws/things/t/jobs/+/accepted",
                "$aws/things/t/jobs/+/rejected", "$aws/things/t/jobs/+/+/accepted", "$aws/things/t/jobs/+/+/rejected"),
                JobsTopics.filters("t"));
        assertEquals("$aws/things/+/jobs/notify", JobsTopics.filters("+").get(0));
    }

    @Test
    void parsesAnswersAndNotifications() {
        JobsTopics.Parsed p = JobsTopics.parse("$aws/things/gw:1/jobs/notify-next");
        assertEquals("gw:1", p.thing);
        assertEquals(JobsTopics.Kind.NOTIFY_NEXT, p.kind);
        assertEquals(JobsTopics.Kind.NOTIFY, JobsTopics.parse("$aws/things/t/jobs/notify").kind);
        p = JobsTopics.parse("$aws/things/t/jobs/start-next/accepted");
        assertEquals(JobsTopics.Kind.ACCEPTED, p.kind);
        assertEquals("start-next", p.request);
        p = JobsTopics.parse("$aws/things/t/jobs/j-1/update/rejected");
        assertEquals(JobsTopics.Kind.REJECTED, p.kind);
        assertEquals("j-1/update", p.request);
    }

    @Test
    void ignoresEverythingElse() {
        assertNull(JobsTopics.parse("$aws/things/t/jobs/get"));
        assertNull(JobsTopics.parse("$aws/things/t/jobs/j/update"));
        assertNull(JobsTopics.parse("$aws/things/t/shadow/update/accepted"));
        assertNull(JobsTopics.parse("plant/line1"));
        assertNull(JobsTopics.parse("$aws/things//jobs/notify"));
        assertNull(JobsTopics.parse("$aws/things/t/jobs/a/b/c/accepted"));
        assertNull(JobsTopics.parse(null));
    }
}
