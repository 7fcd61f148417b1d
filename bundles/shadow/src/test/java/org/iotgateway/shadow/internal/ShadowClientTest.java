package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.QoS;
import org.iotgateway.api.SubscriptionRejectedException;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowNotFoundException;
import org.iotgateway.api.shadow.ShadowOperation;
import org.iotgateway.api.shadow.ShadowRejectedException;
import org.iotgateway.api.shadow.ShadowTimeoutException;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.iotgateway.api.shadow.ShadowVersionConflictException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine against a scripted connection: request/reply matching, version bookkeeping, reconnect
 * reconciliation, window, timeouts, swaps and subscriptions, deterministically and fast.
 */
class ShadowClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ShadowEngine engine = new ShadowEngine();
    private final FakeConnection conn = new FakeConnection("fake");

    @AfterEach
    void close() {
        engine.close();
    }

    private ShadowClient open(ShadowSettings.Builder settings) {
        return engine.open(conn, settings.build());
    }

    private static ShadowSettings.Builder thing(String name) {
        return ShadowSettings.builder(name).operationTimeout(Duration.ofSeconds(5));
    }

    /** Answers the sync get a persistent shadow sends when it is bound. */
    private IoTMessage answerSync(String body) {
        IoTMessage sync = conn.nextRequest();
        assertTrue(sync.topic().endsWith("/get"), sync.topic());
        conn.reply(sync, "accepted", body);
        return sync;
    }

    private IoTMessage answerSync404() {
        IoTMessage sync = conn.nextRequest();
        assertTrue(sync.topic().endsWith("/get"), sync.topic());
        conn.reply(sync, "rejected", "{\"code\":404,\"message\":\"No shadow exists\"}");
        return sync;
    }

    // ------------------------------------------------------------------ requests and replies

    @Test
    void getIsMatchedByItsTokenAndOtherClientsRepliesAreIgnored() {
        ShadowClient shadow = open(thing("t1"));
        answerSync404();
        CompletionStage<ShadowDocument> get = shadow.get();
        IoTMessage request = conn.nextRequest();
        assertEquals("$aws/things/t1/shadow/get", request.topic());
        assertEquals(QoS.AT_LEAST_ONCE, request.qos());
        String token = FakeConnection.token(request);
        assertTrue(token.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 64, token);

        conn.deliver("$aws/things/t1/shadow/get/accepted",
                "{\"state\":{\"reported\":{\"x\":9}},\"version\":9,\"clientToken\":\"someone-else\"}");
        conn.deliver("$aws/things/t1/shadow/get/accepted", "{\"state\":{\"reported\":{\"x\":9}},\"version\":9}");
        assertFalse(get.toCompletableFuture().isDone(), "completed by another client's reply");

        AtomicReference<String> thread = new AtomicReference<>();
        CompletionStage<ShadowDocument> observed = get.whenComplete((d, t) -> thread.set(Thread.currentThread().getName()));
        conn.reply(request, "accepted", "{\"state\":{\"desired\":{\"a\":1},\"reported\":{\"a\":0,\"b\":[1,2]},"
                + "\"delta\":{\"a\":1}},\"metadata\":{\"desired\":{\"a\":{\"timestamp\":100}}},\"version\":3,\"timestamp\":1700000000}");
        ShadowDocument doc = Waits.join(observed);
        assertEquals(3, doc.version());
        assertEquals(Map.of("a", 1), doc.desired());
        assertEquals(Map.of("a", 0, "b", List.of(1, 2)), doc.reported());
        assertEquals(Map.of("a", 1), doc.delta());
        assertEquals(Map.of("desired", Map.of("a", Map.of("timestamp", 100))), doc.metadata());
        assertEquals(1700000000L, doc.timestamp().orElseThrow().getEpochSecond());
        assertEquals(token, doc.clientToken().orElseThrow());
        assertTrue(doc.json().contains("\"version\":3"), doc.json());
        assertTrue(thread.get().startsWith("iotgw-shadow"), "completed on " + thread.get());
        assertEquals(doc, shadow.current().orElseThrow());
    }

    @Test
    void updateSendsTheDocumentTheServiceExpects() {
        ShadowClient shadow = open(thing("t1").shadowName("config"));
        answerSync404();
        Map<String, Object> reported = new HashMap<>();
        reported.put("temp", 21.5);
        reported.put("gone", null);
        CompletionStage<ShadowDocument> update = shadow.update(ShadowUpdate.builder().reported(reported)
                .desired(Map.of("mode", "eco")).expectedVersion(7).build());
        IoTMessage request = conn.nextRequest();
        assertEquals("$aws/things/t1/shadow/name/config/update", request.topic());
        JsonNode body = FakeConnection.json(request);
        assertEquals(21.5, body.at("/state/reported/temp").asDouble());
        assertTrue(body.at("/state/reported/gone").isNull());
        assertEquals("eco", body.at("/state/desired/mode").asText());
        assertEquals(7, body.get("version").asInt());
        conn.reply(request, "accepted", "{\"state\":{\"reported\":{\"temp\":21.5,\"gone\":null},\"desired\":{\"mode\":\"eco\"}},"
                + "\"metadata\":{},\"version\":8,\"timestamp\":5}");
        ShadowDocument ack = Waits.join(update);
        assertEquals(8, ack.version());
        assertEquals("eco", ack.desired().get("mode"));
        assertEquals("config", ack.shadowName());

        CompletionStage<ShadowDocument> clear = shadow.update(ShadowUpdate.builder().clearDesired().build());
        IoTMessage clearRequest = conn.nextRequest();
        assertTrue(FakeConnection.json(clearRequest).at("/state/desired").isNull());
        assertTrue(FakeConnection.json(clearRequest).at("/state/reported").isMissingNode());
        assertFalse(FakeConnection.json(clearRequest).has("version"));
        conn.reply(clearRequest, "accepted", "{\"state\":{\"desired\":null},\"version\":9}");
        assertEquals(9, Waits.join(clear).version());
    }

    @Test
    void rejectionsCompleteWithTheServicesCodeAndMessage() {
        ShadowClient shadow = open(thing("t1"));
        answerSync404();

        CompletionStage<ShadowDocument> get = shadow.get();
        conn.reply(conn.nextRequest(), "rejected", "{\"code\":404,\"message\":\"No shadow exists with name: t1\"}");
        ShadowNotFoundException notFound = Waits.failure(ShadowNotFoundException.class, get);
        assertEquals(404, notFound.code());
        assertEquals("No shadow exists with name: t1", notFound.serviceMessage());
        assertEquals(ShadowOperation.GET, notFound.operation());
        assertEquals("t1", notFound.thingName());
        assertTrue(notFound.getMessage().contains("404") && notFound.getMessage().contains("t1"), notFound.getMessage());

        CompletionStage<ShadowDocument> update = shadow.update(ShadowUpdate.builder().reported(Map.of("a", 1)).expectedVersion(1).build());
        conn.reply(conn.nextRequest(), "rejected", "{\"code\":409,\"message\":\"Version conflict\"}");
        ShadowVersionConflictException conflict = Waits.failure(ShadowVersionConflictException.class, update);
        assertEquals(409, conflict.code());

        CompletionStage<ShadowDocument> big = shadow.report(Map.of("a", 2));
        conn.reply(conn.nextRequest(), "rejected", "{\"code\":413,\"message\":\"The payload exceeds the maximum size allowed\"}");
        ShadowRejectedException tooBig = Waits.failure(ShadowRejectedException.class, big);
        assertEquals(413, tooBig.code());
        assertEquals(ShadowOperation.UPDATE, tooBig.operation());

        // the blocking variant throws the same types
        Thread t = new Thread(() -> {
            IoTMessage r = conn.nextRequest();
            conn.reply(r, "rejected", "{\"code\":404,\"message\":\"No shadow exists with name: t1\"}");
        });
        t.start();
        assertThrows(ShadowNotFoundException.class, shadow::deleteAndWait);
    }

    @Test
    void timeoutNamesTheOperationAndThingAndALateReplyIsDropped() {
        ShadowClient shadow = open(thing("slow-thing").operationTimeout(Duration.ofMillis(300)));
        answerSync404();
        CompletionStage<ShadowDocument> get = shadow.get();
        IoTMessage request = conn.nextRequest();
        ShadowTimeoutException e = Waits.failure(ShadowTimeoutException.class, get);
        assertEquals(ShadowOperation.GET, e.operation());
        assertEquals("slow-thing", e.thingName());
        assertTrue(e.getMessage().contains("get of the classic shadow of thing 'slow-thing' timed out after 300 ms"), e.getMessage());
        assertTrue(e.getMessage().contains("no reply"), e.getMessage());
        Waits.untilEquals(0, WAIT, shadow::outstandingRequests);

        // the late reply is dropped quietly and does not disturb the next request
        conn.reply(request, "accepted", "{\"state\":{},\"version\":1}");
        CompletionStage<ShadowDocument> next = shadow.get();
        conn.reply(conn.nextRequest(), "accepted", "{\"state\":{},\"version\":2}");
        assertEquals(2, Waits.join(next).version());

        ShadowTimeoutException blocking = assertThrows(ShadowTimeoutException.class, shadow::getAndWait);
        assertTrue(blocking.getMessage().contains("timed out after 300 ms"), blocking.getMessage());
    }

    @Test
    void requestsWaitForAConnectionAndTimeOutSayingNoneIsBound() {
        ShadowClient shadow = engine.open(thing("t1").operationTimeout(Duration.ofMillis(300)).build());
        ShadowTimeoutException e = Waits.failure(ShadowTimeoutException.class, shadow.get());
        assertTrue(e.getMessage().contains("no connection is bound"), e.getMessage());

        ShadowClient waiting = engine.open(thing("t2").persistentSubscriptions(false).build());
        CompletionStage<ShadowDocument> update = waiting.report(Map.of("on", true));
        assertNull(conn.pollRequest(100));
        waiting.setConnection(conn);
        IoTMessage request = conn.nextRequest();
        assertEquals("$aws/things/t2/shadow/update", request.topic());
        conn.reply(request, "accepted", "{\"state\":{\"reported\":{\"on\":true}},\"version\":1}");
        assertEquals(1, Waits.join(update).version());
    }

    @Test
    void requestsWaitWhileDisconnectedAndTheTimeoutSaysSo() {
        ShadowClient shadow = open(thing("t1").persistentSubscriptions(false).operationTimeout(Duration.ofMillis(300)));
        conn.setState(ConnectionState.DISCONNECTED);
        ShadowTimeoutException e = Waits.failure(ShadowTimeoutException.class, shadow.get());
        assertTrue(e.getMessage().contains("connection 'fake' is DISCONNECTED; the request was not sent"), e.getMessage());
        assertNull(conn.pollRequest(50), "a timed-out request was never sent, so it cannot be applied late");
    }

    @Test
    void invalidUpdatesAreRefusedBeforeAnythingIsSent() {
        ShadowClient shadow = open(thing("t1").persistentSubscriptions(false));
        PayloadTooLargeException big = assertThrows(PayloadTooLargeException.class,
                () -> shadow.report(Map.of("blob", "x".repeat(8200))));
        assertTrue(big.getMessage().contains("the classic shadow of thing 't1'"), big.getMessage());
        assertEquals(8192, big.limit());

        Map<String, Object> deep = Map.of("l1", Map.of("l2", Map.of("l3", Map.of("l4", Map.of("l5", Map.of("l6", Map.of("l7", 1)))))));
        InvalidRequestException tooDeep = assertThrows(InvalidRequestException.class, () -> shadow.desire(deep));
        assertTrue(tooDeep.getMessage().contains("nested 7 levels deep (at desired.l1.l2.l3.l4.l5.l6)"), tooDeep.getMessage());
        Map<String, Object> six = Map.of("l1", Map.of("l2", Map.of("l3", Map.of("l4", Map.of("l5", 1)))));
        shadow.desire(six); // exactly 6 levels counting desired itself: accepted locally
        assertThrows(InvalidRequestException.class, () -> shadow.update(null));
        assertThrows(InvalidRequestException.class, () -> shadow.report(Map.of("when", new java.util.Date())));
        IoTMessage only = conn.nextRequest();
        assertTrue(FakeConnection.json(only).at("/state/desired/l1/l2/l3/l4/l5").isNumber());
        assertNull(conn.pollRequest(50));
    }

    @Test
    void malformedJsonOnShadowTopicsIsIgnored() {
        ShadowClient shadow = open(thing("t1"));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync404();
        CompletionStage<ShadowDocument> get = shadow.get();
        IoTMessage request = conn.nextRequest();
        conn.deliver("$aws/things/t1/shadow/get/accepted", "{not json");
        conn.deliver("$aws/things/t1/shadow/get/accepted", "[1,2]");
        conn.deliver("$aws/things/t1/shadow/update/delta", "");
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1}}"); // no version
        conn.deliver("$aws/things/t1/shadow/update/documents", "{\"previous\":{}}"); // no current
        conn.deliver("$aws/things/t1/shadow/update/bogus", "{}");
        assertFalse(get.toCompletableFuture().isDone());
        conn.reply(request, "accepted", "{\"state\":{},\"version\":1}");
        assertEquals(1, Waits.join(get).version());
        recorder.assertNoDelta(50);
    }

    // ------------------------------------------------------------------ deltas, documents, versions

    @Test
    void noNewerDeltaIsDroppedAndOldOrDuplicateOnesAreNotDeliveredAgain() {
        ShadowClient shadow = open(thing("t1"));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync("{\"state\":{\"reported\":{\"a\":0}},\"version\":4}");

        // the gateway's own update is acknowledged (version 5) before the delta of version 5 arrives:
        // the reference SDK drops that delta, this must not
        CompletionStage<ShadowDocument> update = shadow.desire(Map.of("a", 1));
        conn.reply(conn.nextRequest(), "accepted", "{\"state\":{\"desired\":{\"a\":1}},\"version\":5}");
        Waits.join(update);
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1},\"metadata\":{\"a\":{\"timestamp\":10}},"
                + "\"version\":5,\"timestamp\":10}");
        ShadowDelta d5 = recorder.nextDelta();
        assertEquals(5, d5.version());
        assertEquals(Map.of("a", 1), d5.state());
        assertEquals(Map.of("a", Map.of("timestamp", 10)), d5.metadata());
        assertTrue(recorder.lastThread.startsWith("iotgw-shadow"), recorder.lastThread);

        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1},\"version\":5}"); // redelivery
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":7},\"version\":3}"); // stale
        recorder.assertNoDelta(100);

        // versions may jump (updates by others that caused no delta): still delivered
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"b\":true},\"version\":9}");
        assertEquals(9, recorder.nextDelta().version());
    }

    @Test
    void documentsAreDeliveredOncePerVersionAndKeepTheCurrentDocument() {
        ShadowClient shadow = open(thing("t1").shadowName("s"));
        Recorder recorder = new Recorder();
        shadow.addDocumentListener(recorder);
        answerSync404();
        conn.deliver("$aws/things/t1/shadow/name/s/update/documents", "{\"previous\":{\"state\":{\"reported\":{\"a\":1}},"
                + "\"metadata\":{},\"version\":2},\"current\":{\"state\":{\"desired\":{\"a\":2,\"n\":{\"x\":1.0}},"
                + "\"reported\":{\"a\":1,\"n\":{\"x\":1}}},\"metadata\":{},\"version\":3},\"timestamp\":77,\"clientToken\":\"c\"}");
        var change = recorder.nextChange();
        assertEquals(3, change.version());
        assertEquals(2, change.previous().orElseThrow().version());
        assertEquals(Map.of("a", 2), change.current().delta(), "1.0 equals 1: only 'a' differs");
        assertEquals("s", change.shadowName());
        assertEquals(77, change.timestamp().orElseThrow().getEpochSecond());
        assertEquals(3, shadow.current().orElseThrow().version());

        conn.deliver("$aws/things/t1/shadow/name/s/update/documents", "{\"current\":{\"state\":{},\"version\":2}}");
        conn.deliver("$aws/things/t1/shadow/name/s/update/documents", "{\"current\":{\"state\":{},\"version\":3}}");
        recorder.assertNoChange(100);
        conn.deliver("$aws/things/t1/shadow/name/s/update/documents", "{\"current\":{\"state\":{},\"version\":4}}");
        assertFalse(recorder.nextChange().previous().isPresent());
        assertEquals(4, shadow.current().orElseThrow().version());
    }

    @Test
    void afterEveryReconnectTheShadowIsReadAndAChangedDeltaDelivered() {
        ShadowClient shadow = open(thing("t1"));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync("{\"state\":{\"desired\":{\"a\":1},\"delta\":{\"a\":1}},\"version\":3}");
        ShadowDelta first = recorder.nextDelta();
        assertEquals(3, first.version());
        assertEquals(Map.of("a", 1), first.state());

        // offline, somebody sets a:2 (version 5): the delta published then is lost
        conn.setState(ConnectionState.DISCONNECTED);
        conn.setState(ConnectionState.CONNECTED);
        answerSync("{\"state\":{\"desired\":{\"a\":2},\"delta\":{\"a\":2}},\"metadata\":{\"desired\":{\"a\":{\"timestamp\":50}}},"
                + "\"version\":5,\"timestamp\":60}");
        ShadowDelta recovered = recorder.nextDelta();
        assertEquals(5, recovered.version());
        assertEquals(Map.of("a", 2), recovered.state());
        assertEquals(Map.of("a", Map.of("timestamp", 50)), recovered.metadata());

        // reconnect without changes: nothing new delivered
        conn.setState(ConnectionState.DISCONNECTED);
        conn.setState(ConnectionState.CONNECTED);
        answerSync("{\"state\":{\"desired\":{\"a\":2},\"delta\":{\"a\":2}},\"version\":5}");
        // the reported state caught up elsewhere, version moved: the (empty) delta is not delivered either
        conn.setState(ConnectionState.DISCONNECTED);
        conn.setState(ConnectionState.CONNECTED);
        answerSync("{\"state\":{\"desired\":{\"a\":2},\"reported\":{\"a\":2}},\"version\":6}");
        recorder.assertNoDelta(100);
        // the same delta coming back after it was reconciled is news again
        conn.setState(ConnectionState.DISCONNECTED);
        conn.setState(ConnectionState.CONNECTED);
        answerSync("{\"state\":{\"desired\":{\"a\":1},\"reported\":{\"a\":2},\"delta\":{\"a\":1}},\"version\":8}");
        assertEquals(8, recorder.nextDelta().version());
    }

    @Test
    void aShadowRecreatedWithLowerVersionsIsNotIgnored() {
        ShadowClient shadow = open(thing("t1"));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync404();
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1},\"version\":40}");
        assertEquals(40, recorder.nextDelta().version());
        // the shadow was deleted while offline and, after 48 h, re-created from version 1
        conn.setState(ConnectionState.DISCONNECTED);
        conn.setState(ConnectionState.CONNECTED);
        answerSync("{\"state\":{\"desired\":{\"b\":1},\"delta\":{\"b\":1}},\"version\":2}");
        ShadowDelta d = recorder.nextDelta();
        assertEquals(2, d.version());
        assertEquals(Map.of("b", 1), d.state());
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"b\":2},\"version\":3}");
        assertEquals(3, recorder.nextDelta().version());
    }

    @Test
    void aListenerAddedLaterGetsThePendingDeltaAndAThrowingListenerDoesNotStopOthers() {
        ShadowClient shadow = open(thing("t1"));
        answerSync("{\"state\":{\"desired\":{\"a\":1},\"delta\":{\"a\":1}},\"version\":3}");
        Waits.until("the shadow is known", WAIT, () -> shadow.current().isPresent());
        ShadowDeltaListener thrower = d -> {
            throw new IllegalStateException("listener bug (expected by the test)");
        };
        shadow.addDeltaListener(thrower);
        Recorder late = new Recorder();
        shadow.addDeltaListener(late);
        ShadowDelta pending = late.nextDelta();
        assertEquals(Map.of("a", 1), pending.state());
        assertEquals(3, pending.version());
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":2},\"version\":4}");
        assertEquals(4, late.nextDelta().version());
        shadow.removeDeltaListener(late);
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":3},\"version\":5}");
        late.assertNoDelta(100);
    }

    @Test
    void deletionByAnyoneRestartsVersionTracking() {
        ShadowClient shadow = open(thing("t1"));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync404();
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1},\"version\":10}");
        recorder.nextDelta();
        conn.deliver("$aws/things/t1/shadow/delete/accepted", "{\"version\":10,\"clientToken\":\"cloud\"}");
        assertTrue(shadow.current().isEmpty());
        conn.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"a\":1},\"version\":1}");
        assertEquals(1, recorder.nextDelta().version());
    }

    // ------------------------------------------------------------------ window, swap, close

    @Test
    void atMostMaxInflightRequestsAreSentAndTheRestWaitTheirTurn() {
        ShadowClient shadow = open(thing("t1").maxInflight(2).persistentSubscriptions(false));
        List<CompletionStage<ShadowDocument>> gets = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gets.add(shadow.get());
        }
        IoTMessage r1 = conn.nextRequest();
        IoTMessage r2 = conn.nextRequest();
        assertNull(conn.pollRequest(100), "a third request was sent with max.inflight=2");
        conn.reply(r2, "accepted", "{\"state\":{},\"version\":2}");
        IoTMessage r3 = conn.nextRequest();
        assertNull(conn.pollRequest(50));
        conn.reply(r1, "accepted", "{\"state\":{},\"version\":1}");
        conn.reply(r3, "accepted", "{\"state\":{},\"version\":3}");
        conn.reply(conn.nextRequest(), "accepted", "{\"state\":{},\"version\":4}");
        conn.reply(conn.nextRequest(), "accepted", "{\"state\":{},\"version\":5}");
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, Waits.join(gets.get(i)).version());
        }
    }

    @Test
    void swappingTheConnectionFailsSentRequestsMovesTheOthersAndKeepsListeners() {
        ShadowClient shadow = open(thing("t1").maxInflight(1));
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        answerSync404();
        CompletionStage<ShadowDocument> sent = shadow.get();
        conn.nextRequest();
        CompletionStage<ShadowDocument> queued = shadow.report(Map.of("x", 1));
        assertNull(conn.pollRequest(50));

        FakeConnection other = new FakeConnection("other");
        shadow.setConnection(other);
        ConnectionClosedException e = Waits.failure(ConnectionClosedException.class, sent);
        assertTrue(e.getMessage().contains("get of the classic shadow of thing 't1' was sent on connection 'fake'"), e.getMessage());
        assertTrue(e.getMessage().contains("replaced by connection 'other'"), e.getMessage());
        assertEquals(List.of(), conn.filters(), "subscriptions left on the old connection");
        assertEquals(0, conn.stateListenerCount());

        // max.inflight=1: the moved update goes first, then the read of the shadow on the new connection
        IoTMessage update = other.nextRequest();
        assertTrue(update.topic().endsWith("/update"), update.topic());
        assertNull(other.pollRequest(50));
        other.reply(update, "accepted", "{\"state\":{\"reported\":{\"x\":1}},\"version\":1}");
        assertEquals(1, Waits.join(queued).version());
        IoTMessage sync = other.nextRequest();
        assertTrue(sync.topic().endsWith("/get"), sync.topic());
        other.reply(sync, "accepted", "{\"state\":{\"desired\":{\"x\":2},\"reported\":{\"x\":1},\"delta\":{\"x\":2}},\"version\":2}");
        assertEquals(2, recorder.nextDelta().version());
        other.deliver("$aws/things/t1/shadow/update/delta", "{\"state\":{\"x\":3},\"version\":3}");
        assertEquals(3, recorder.nextDelta().version());

        shadow.setConnection(null);
        assertEquals(List.of(), other.filters());
    }

    @Test
    void aClosedConnectionFailsSentRequestsAtOnce() {
        ShadowClient shadow = open(thing("t1").persistentSubscriptions(false));
        CompletionStage<ShadowDocument> get = shadow.get();
        conn.nextRequest();
        conn.setState(ConnectionState.CLOSED);
        ConnectionClosedException e = Waits.failure(ConnectionClosedException.class, get);
        assertTrue(e.getMessage().contains("was closed before the reply arrived"), e.getMessage());
    }

    @Test
    void closingTheServiceFailsPendingRequestsAndDropsItsSubscriptions() {
        ShadowClient shadow = open(thing("t1"));
        answerSync404();
        assertEquals(List.of("$aws/things/t1/shadow/+/+"), conn.filters());
        conn.setState(ConnectionState.DISCONNECTED);
        CompletionStage<ShadowDocument> waiting = shadow.get();
        shadow.close();
        Waits.failure(ConnectionClosedException.class, waiting);
        assertEquals(List.of(), conn.filters());
        assertThrows(ConnectionClosedException.class, shadow::get);
    }

    // ------------------------------------------------------------------ subscriptions

    @Test
    void perRequestModeSubscribesWhileARequestIsPending() {
        conn.autoAck = false;
        ShadowClient shadow = open(thing("t1").shadowName("s").persistentSubscriptions(false));
        assertEquals(List.of(), conn.filters());
        CompletionStage<ShadowDocument> get = shadow.get();
        Waits.untilEquals(List.of("$aws/things/t1/shadow/name/s/+/+"), WAIT, conn::filters);
        assertNull(conn.pollRequest(100), "request sent before the SUBACK");
        conn.ackAll();
        conn.reply(conn.nextRequest(), "accepted", "{\"state\":{},\"version\":1}");
        Waits.join(get);
        Waits.untilEquals(List.of(), WAIT, conn::filters);

        // a delta listener keeps the subscription (and reads the shadow once)
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        Waits.untilEquals(List.of("$aws/things/t1/shadow/name/s/+/+"), WAIT, conn::filters);
        conn.ackAll();
        IoTMessage sync = conn.nextRequest();
        assertTrue(sync.topic().endsWith("/get"), sync.topic());
        conn.reply(sync, "accepted", "{\"state\":{},\"version\":1}");
        Waits.until("the sync get is answered", WAIT, () -> shadow.outstandingRequests() == 0);
        assertEquals(List.of("$aws/things/t1/shadow/name/s/+/+"), conn.filters());
        shadow.removeDeltaListener(recorder);
        Waits.untilEquals(List.of(), WAIT, conn::filters);
    }

    @Test
    void aRefusedSubscriptionFailsTheWaitingRequestsAtOnce() {
        conn.refused.add("$aws/things/t1/shadow/+/+");
        ShadowClient shadow = open(thing("t1").persistentSubscriptions(false));
        SubscriptionRejectedException e = Waits.failure(SubscriptionRejectedException.class, shadow.get());
        assertEquals("$aws/things/t1/shadow/+/+", e.filter());
        assertNull(conn.pollRequest(50));
    }

    @Test
    void shadowsOnOneConnectionShareFiltersWithinTheBudget() {
        try (ShadowEngine small = new ShadowEngine(2, 0)) {
            ShadowClient classic = small.open(conn, thing("t1").build());
            ShadowClient a = small.open(conn, thing("t1").shadowName("a").build());
            ShadowClient b = small.open(conn, thing("t1").shadowName("b").build());
            Waits.untilEquals(List.of("$aws/things/t1/shadow/+/+", "$aws/things/t1/shadow/name/+/+/+"), WAIT,
                    () -> conn.filters().stream().sorted().collect(java.util.stream.Collectors.toList()));
            // three sync gets, answered on their own topics, reach the right shadow
            for (int i = 0; i < 3; i++) {
                IoTMessage m = conn.nextRequest();
                conn.reply(m, "accepted", "{\"state\":{\"reported\":{\"topic\":\"" + m.topic() + "\"}},\"version\":1}");
            }
            Waits.until("all three read", WAIT, () -> classic.current().isPresent() && a.current().isPresent() && b.current().isPresent());
            assertEquals("$aws/things/t1/shadow/get", classic.current().orElseThrow().reported().get("topic"));
            assertEquals("$aws/things/t1/shadow/name/a/get", a.current().orElseThrow().reported().get("topic"));
            assertEquals("$aws/things/t1/shadow/name/b/get", b.current().orElseThrow().reported().get("topic"));

            // a second thing: 4 filters at THING level exceed the budget of 2: GLOBAL
            ShadowClient other = small.open(conn, thing("t2").build());
            Waits.untilEquals(List.of(FilterPlan.GLOBAL_CLASSIC, FilterPlan.GLOBAL_NAMED), WAIT,
                    () -> conn.filters().stream().sorted().collect(java.util.stream.Collectors.toList()));
            IoTMessage sync = conn.nextRequest();
            assertEquals("$aws/things/t2/shadow/get", sync.topic());
            conn.reply(sync, "accepted", "{\"state\":{},\"version\":4}");
            Waits.until("t2 read", WAIT, () -> other.current().isPresent());
            assertEquals(1, classic.current().orElseThrow().version());
            other.close();
            a.close();
            b.close();
            classic.close();
            Waits.untilEquals(List.of(), WAIT, conn::filters);
        }
    }

    @Test
    void aReplacedFilterLingersBeforeItIsUnsubscribed() {
        try (ShadowEngine lingering = new ShadowEngine(2, 300)) {
            lingering.open(conn, thing("t1").shadowName("a").build());
            lingering.open(conn, thing("t1").shadowName("b").build());
            Waits.untilEquals(List.of("$aws/things/t1/shadow/name/a/+/+", "$aws/things/t1/shadow/name/b/+/+"), WAIT,
                    () -> conn.filters().stream().sorted().collect(java.util.stream.Collectors.toList()));
            // a third named shadow: one filter for all named shadows of t1 replaces the per-shadow ones...
            lingering.open(conn, thing("t1").shadowName("c").build());
            Waits.until("the thing filter is subscribed", WAIT, () -> conn.filters().contains("$aws/things/t1/shadow/name/+/+/+"));
            long since = System.nanoTime();
            // ...which stay a moment, so that replies already received through them are still delivered
            assertTrue(conn.filters().contains("$aws/things/t1/shadow/name/a/+/+"), conn.filters().toString());
            conn.deliver("$aws/things/t1/shadow/name/a/update/delta", "{\"state\":{\"x\":1},\"version\":1}");
            Waits.untilEquals(List.of("$aws/things/t1/shadow/name/+/+/+"), WAIT, conn::filters);
            long lingered = (System.nanoTime() - since) / 1_000_000;
            assertTrue(lingered >= 200, "unsubscribed after " + lingered + " ms");
        }
    }
}
