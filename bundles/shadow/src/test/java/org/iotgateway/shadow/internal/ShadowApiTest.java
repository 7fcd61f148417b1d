package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.OperationTimeoutException;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowNotFoundException;
import org.iotgateway.api.shadow.ShadowOperation;
import org.iotgateway.api.shadow.ShadowRejectedException;
import org.iotgateway.api.shadow.ShadowTimeoutException;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.iotgateway.api.shadow.ShadowVersionConflictException;
import org.junit.jupiter.api.Test;

/** The API's value types and exceptions. */
class ShadowApiTest {

    @Test
    void updatesAreDeepImmutableCopies() {
        Map<String, Object> inner = new HashMap<>();
        inner.put("x", 1);
        List<Object> list = new ArrayList<>(List.of(1, 2));
        Map<String, Object> reported = new HashMap<>();
        reported.put("inner", inner);
        reported.put("list", list);
        reported.put("deleted", null);
        ShadowUpdate u = ShadowUpdate.reported(reported);
        inner.put("x", 2);
        list.add(3);
        reported.put("late", true);
        assertEquals(Map.of("x", 1), u.reported().get("inner"));
        assertEquals(List.of(1, 2), u.reported().get("list"));
        assertFalse(u.reported().containsKey("late"));
        assertTrue(u.reported().containsKey("deleted"));
        assertThrows(UnsupportedOperationException.class, () -> u.reported().put("y", 1));
        @SuppressWarnings("unchecked")
        Map<String, Object> copiedInner = (Map<String, Object>) u.reported().get("inner");
        assertThrows(UnsupportedOperationException.class, () -> copiedInner.put("y", 1));
        assertTrue(u.hasReported());
        assertFalse(u.hasDesired());
        assertTrue(u.expectedVersion().isEmpty());
        Map<String, Object> same = new HashMap<>();
        same.put("inner", Map.of("x", 1));
        same.put("list", List.of(1, 2));
        same.put("deleted", null);
        assertEquals(u, ShadowUpdate.reported(same));
        assertEquals(u.hashCode(), ShadowUpdate.reported(same).hashCode());
    }

    @Test
    void invalidUpdatesAreRefusedNamingThePath() {
        assertThrows(InvalidRequestException.class, () -> ShadowUpdate.builder().build());
        assertThrows(InvalidRequestException.class, () -> ShadowUpdate.reported(null));
        assertThrows(InvalidRequestException.class, () -> ShadowUpdate.builder().reported(Map.of()).expectedVersion(-1));
        InvalidRequestException nan = assertThrows(InvalidRequestException.class,
                () -> ShadowUpdate.desired(Map.of("a", Map.of("b", Double.NaN))));
        assertEquals("desired.a.b: NaN has no JSON form", nan.getMessage());
        InvalidRequestException type = assertThrows(InvalidRequestException.class,
                () -> ShadowUpdate.desired(Map.of("a", List.of(new Object()))));
        assertTrue(type.getMessage().startsWith("desired.a[0]: values of type java.lang.Object have no JSON form"), type.getMessage());
        Map<Object, Object> badKey = new HashMap<>();
        badKey.put(1, "x");
        assertThrows(InvalidRequestException.class, () -> ShadowUpdate.desired(Map.of("m", badKey)));
        ShadowUpdate clear = ShadowUpdate.builder().clearDesired().reported(Map.of("a", 1)).expectedVersion(3).build();
        assertTrue(clear.clearsDesired());
        assertTrue(clear.hasDesired());
        assertEquals(Map.of(), clear.desired());
        assertEquals(3, clear.expectedVersion().getAsLong());
    }

    @Test
    void documentsAndDeltasAreImmutable() {
        Map<String, Object> desired = new HashMap<>(Map.of("a", 1));
        ShadowDocument d = ShadowDocument.builder("t", null).desired(desired).version(2).build();
        desired.put("b", 2);
        assertEquals(Map.of("a", 1), d.desired());
        assertEquals("", d.shadowName());
        assertEquals(Map.of(), d.reported());
        assertTrue(d.timestamp().isEmpty());
        assertThrows(UnsupportedOperationException.class, () -> d.desired().clear());
        ShadowDelta delta = new ShadowDelta("t", "s", Map.of("a", 1), null, 3, null, null, null);
        assertEquals(Map.of(), delta.metadata());
        assertEquals("", delta.json());
        assertThrows(UnsupportedOperationException.class, () -> delta.state().clear());
    }

    @Test
    void rejectionsAreTypedByCode() {
        ShadowRejectedException e = ShadowRejectedException.of(404, "No shadow exists with name: t", ShadowOperation.GET, "t", "");
        assertInstanceOf(ShadowNotFoundException.class, e);
        assertEquals("get of the classic shadow of thing 't' rejected by the service: 404 No shadow exists with name: t",
                e.getMessage());
        assertInstanceOf(ShadowVersionConflictException.class,
                ShadowRejectedException.of(409, "Version conflict", ShadowOperation.UPDATE, "t", "s"));
        ShadowRejectedException other = ShadowRejectedException.of(429, "Too Many Requests", ShadowOperation.UPDATE, "t", "s");
        assertEquals(ShadowRejectedException.class, other.getClass());
        assertEquals("update of shadow 's' of thing 't' rejected by the service: 429 Too Many Requests", other.getMessage());
        ShadowTimeoutException t = new ShadowTimeoutException(ShadowOperation.DELETE, "t", "s", Duration.ofSeconds(2), "no reply");
        assertInstanceOf(OperationTimeoutException.class, t);
        assertEquals("delete of shadow 's' of thing 't' timed out after 2000 ms: no reply", t.getMessage());
    }
}
