package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.PayloadTooLargeException;
import org.iotgateway.api.shadow.ShadowChange;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowNotFoundException;
import org.iotgateway.api.shadow.ShadowRejectedException;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.iotgateway.api.shadow.ShadowVersionConflictException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation against the emulator, for classic and named shadows, with persistent subscriptions
 * and with subscriptions per request.
 */
class ShadowEmulatorTest extends EmulatorTestBase {

    private IoTConnection connection;

    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of("", true), Arguments.of("config", true), Arguments.of("", false),
                Arguments.of("config", false));
    }

    @BeforeEach
    void connect() {
        connection = connect("aws");
    }

    private ShadowClient open(String thing, String shadowName, boolean persistent) {
        return engine.open(connection, ShadowSettings.builder(thing).shadowName(shadowName).persistentSubscriptions(persistent)
                .operationTimeout(Duration.ofSeconds(5)).build());
    }

    @ParameterizedTest(name = "shadow ''{0}'', persistent {1}")
    @MethodSource("modes")
    void getUpdateDeleteAndNotFoundAfterDelete(String shadowName, boolean persistent) {
        String thing = unique("thing");
        ShadowClient shadow = open(thing, shadowName, persistent);

        ShadowNotFoundException missing = Waits.failure(ShadowNotFoundException.class, shadow.get());
        assertEquals(404, missing.code());
        assertTrue(missing.serviceMessage().startsWith("No shadow exists with name"), missing.serviceMessage());

        ShadowDocument first = Waits.join(shadow.report(Map.of("temperature", 20, "firmware", "1.0")));
        assertEquals(1, first.version());
        assertEquals(Map.of("temperature", 20, "firmware", "1.0"), first.reported());
        assertTrue(first.metadata().containsKey("reported"), first.json());

        ShadowDocument desired = Waits.join(shadow.desire(Map.of("temperature", 22)));
        assertEquals(2, desired.version());

        ShadowDocument doc = shadow.getAndWait();
        assertEquals(2, doc.version());
        assertEquals(Map.of("temperature", 22), doc.desired());
        assertEquals(Map.of("temperature", 20, "firmware", "1.0"), doc.reported());
        assertEquals(Map.of("temperature", 22), doc.delta());
        assertEquals(thing, doc.thingName());
        assertEquals(shadowName, doc.shadowName());
        assertTrue(doc.timestamp().isPresent());

        // a null value deletes a key
        Map<String, Object> remove = new HashMap<>();
        remove.put("firmware", null);
        assertEquals(3, shadow.updateAndWait(ShadowUpdate.reported(remove)).version());
        assertEquals(Map.of("temperature", 20), shadow.getAndWait().reported());

        Waits.join(shadow.delete());
        assertTrue(emulator.shadow(thing, emulatorName(shadowName)).isEmpty());
        Waits.failure(ShadowNotFoundException.class, shadow.get());
        assertThrows(ShadowNotFoundException.class, shadow::deleteAndWait);

        // the version counter survives the delete
        assertEquals(4, shadow.updateAndWait(ShadowUpdate.reported(Map.of("back", true))).version());
        if (!persistent) {
            Waits.until("per-request subscriptions are dropped", WAIT, () -> engine.subscriptions(connection).isEmpty());
        }
    }

    @ParameterizedTest(name = "shadow ''{0}'', persistent {1}")
    @MethodSource("modes")
    void staleVersionIsRejectedWith409ThenSucceedsAfterAGet(String shadowName, boolean persistent) {
        String thing = unique("thing");
        ShadowClient shadow = open(thing, shadowName, persistent);
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("a", 1)));
        emulator.setReported(thing, emulatorName(shadowName), "{\"a\":2}"); // someone else: version 2

        CompletionStage<ShadowDocument> stale = shadow.update(ShadowUpdate.builder().reported(Map.of("a", 3)).expectedVersion(1).build());
        ShadowVersionConflictException conflict = Waits.failure(ShadowVersionConflictException.class, stale);
        assertEquals(409, conflict.code());
        assertEquals("Version conflict", conflict.serviceMessage());

        long version = shadow.getAndWait().version();
        assertEquals(2, version);
        ShadowDocument ok = shadow.updateAndWait(ShadowUpdate.builder().reported(Map.of("a", 3)).expectedVersion(version).build());
        assertEquals(3, ok.version());
        assertTrue(emulator.shadow(thing, emulatorName(shadowName)).orElseThrow().contains("\"a\":3"));
    }

    @ParameterizedTest(name = "shadow ''{0}'', persistent {1}")
    @MethodSource("modes")
    void deltasAndChangesAreDelivered(String shadowName, boolean persistent) {
        String thing = unique("thing");
        ShadowClient shadow = open(thing, shadowName, persistent);
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        shadow.addDocumentListener(recorder);
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("color", "green", "level", 1)));
        ShadowChange created = recorder.nextChange();
        assertEquals(1, created.version());
        assertFalse(created.previous().isPresent());

        // the cloud asks for red
        emulator.setDesired(thing, emulatorName(shadowName), "{\"color\":\"red\",\"level\":1}");
        ShadowDelta delta = recorder.nextDelta();
        assertEquals(Map.of("color", "red"), delta.state());
        assertEquals(2, delta.version());
        assertEquals(thing, delta.thingName());
        assertEquals(shadowName, delta.shadowName());
        assertTrue(delta.json().contains("\"red\""), delta.json());
        ShadowChange change = recorder.nextChange();
        assertEquals(2, change.version());
        assertEquals(Map.of("color", "red"), change.current().delta());

        // the device applies it and reports: no delta
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("color", "red")));
        assertEquals(3, recorder.nextChange().version());
        Waits.untilEquals(Map.of(), WAIT, () -> shadow.current().orElseThrow().delta());

        // the device itself asks for something: its own delta is delivered too (version 4)
        shadow.updateAndWait(ShadowUpdate.desired(Map.of("level", 5)));
        ShadowDelta own = recorder.nextDelta();
        assertEquals(4, own.version());
        assertEquals(Map.of("level", 5), own.state());
        recorder.assertNoDelta(100);
    }

    @ParameterizedTest(name = "shadow ''{0}'', persistent {1}")
    @MethodSource("modes")
    void oversizedOrTooDeepUpdatesAreRefusedLocallyAndMergedOversizeBy413(String shadowName, boolean persistent) {
        String thing = unique("thing");
        ShadowClient shadow = open(thing, shadowName, persistent);
        assertThrows(PayloadTooLargeException.class, () -> shadow.report(Map.of("blob", "x".repeat(8 * 1024))));
        Map<String, Object> seven = Map.of("l1", Map.of("l2", Map.of("l3", Map.of("l4", Map.of("l5", Map.of("l6", Map.of("l7", 1)))))));
        assertThrows(InvalidRequestException.class, () -> shadow.desire(seven));
        assertTrue(emulator.shadow(thing, emulatorName(shadowName)).isEmpty(), "nothing reached the service");

        // each update fits, the merged document does not: the service answers 413
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("big", "a".repeat(8100))));
        ShadowRejectedException tooLarge = assertThrows(ShadowRejectedException.class,
                () -> shadow.updateAndWait(ShadowUpdate.desired(Map.of("more", "b".repeat(200)))));
        assertEquals(413, tooLarge.code());
        assertEquals(1, shadow.getAndWait().version());
    }

    @ParameterizedTest(name = "shadow ''{0}'', persistent {1}")
    @MethodSource("modes")
    void manyConcurrentRequestsAllComplete(String shadowName, boolean persistent) {
        String thing = unique("thing");
        ShadowClient shadow = open(thing, shadowName, persistent);
        List<CompletionStage<ShadowDocument>> updates = new java.util.ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            updates.add(shadow.report(Map.of("counter", i)));
        }
        long max = 0;
        for (CompletionStage<ShadowDocument> u : updates) {
            max = Math.max(max, Waits.join(u).version());
        }
        assertEquals(50, max);
        assertEquals(50, shadow.getAndWait().reported().get("counter"), "requests of one shadow are sent in order");
    }

    @org.junit.jupiter.api.Test
    void qosZeroWorksToo() {
        String thing = unique("thing");
        ShadowClient shadow = engine.open(connection, ShadowSettings.builder(thing).qos(org.iotgateway.api.QoS.AT_MOST_ONCE)
                .operationTimeout(Duration.ofSeconds(5)).build());
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        assertEquals(1, shadow.updateAndWait(ShadowUpdate.reported(Map.of("q", 0))).version());
        emulator.setDesired(thing, null, "{\"q\":1}");
        assertEquals(Map.of("q", 1), recorder.nextDelta().state());
        assertEquals(2, shadow.getAndWait().version());
    }
}
