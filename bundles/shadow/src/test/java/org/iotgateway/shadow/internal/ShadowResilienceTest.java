package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDocument;
import org.iotgateway.api.shadow.ShadowUpdate;
import org.iotgateway.mqtt.internal.Connections;
import org.junit.jupiter.api.Test;

/**
 * Outages, connection swaps and many shadows on one connection, against the emulator.
 */
class ShadowResilienceTest extends EmulatorTestBase {

    @Test
    void deltasPublishedDuringABrokerOutageAreRecoveredAfterTheReconnect() {
        Connections.Standalone connection = connect("aws");
        String thing = unique("thing");
        ShadowClient classic = engine.open(connection, ShadowSettings.builder(thing).build());
        ShadowClient named = engine.open(connection, ShadowSettings.builder(thing).shadowName("cfg").persistentSubscriptions(false).build());
        Recorder classicDeltas = new Recorder();
        Recorder namedDeltas = new Recorder();
        classic.addDeltaListener(classicDeltas);
        named.addDeltaListener(namedDeltas);
        classic.updateAndWait(ShadowUpdate.reported(Map.of("mode", "auto")));
        named.updateAndWait(ShadowUpdate.reported(Map.of("rate", 1)));

        stopBroker();
        awaitState(connection, ConnectionState.DISCONNECTED);
        // while the gateway is offline the cloud changes both shadows: the deltas go nowhere
        emulator.setDesired(thing, null, "{\"mode\":\"manual\"}");
        emulator.setDesired(thing, "cfg", "{\"rate\":5}");
        // and the app keeps working: a request made now is sent after the reconnect
        CompletionStage<ShadowDocument> during = classic.report(Map.of("battery", 80));
        classicDeltas.assertNoDelta(200);

        startBroker();
        ShadowDelta recovered;
        try {
            recovered = classicDeltas.nextDelta();
        } catch (AssertionError e) {
            // diagnostics: were the requests sent after the reconnect stuck in the connection's queue?
            System.err.println("DIAG connection state " + connection.state() + ", queued publishes " + connection.queuedMessages()
                    + ", shadow at the emulator " + emulator.shadow(thing) + ", engine subscriptions "
                    + engine.subscriptions(connection) + ", outstanding " + classic.outstandingRequests());
            throw e;
        }
        assertEquals(Map.of("mode", "manual"), recovered.state());
        // version 2 (the cloud's change) or 3 if the report made during the outage was applied before the read
        assertTrue(recovered.version() == 2 || recovered.version() == 3, "version " + recovered.version());
        ShadowDelta recoveredNamed = namedDeltas.nextDelta();
        assertEquals(Map.of("rate", 5), recoveredNamed.state());
        assertEquals(2, recoveredNamed.version());
        assertEquals(3, Waits.join(during).version());

        // delivery continues normally afterwards, without repeating the recovered delta
        emulator.setDesired(thing, null, "{\"mode\":\"off\"}");
        ShadowDelta next = classicDeltas.nextDelta();
        assertEquals(Map.of("mode", "off"), next.state());
        assertEquals(4, next.version());
        classicDeltas.assertNoDelta(100);
    }

    @Test
    void swappingTheConnectionKeepsTheServiceAndItsListeners() {
        Connections.Standalone first = connect("aws");
        Connections.Standalone second = connect("aws-backup");
        String thing = unique("thing");
        ShadowClient shadow = engine.open(first, ShadowSettings.builder(thing).shadowName("s").operationTimeout(Duration.ofSeconds(5)).build());
        Recorder recorder = new Recorder();
        shadow.addDeltaListener(recorder);
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("v", 1)));
        emulator.setDesired(thing, "s", "{\"v\":2}");
        assertEquals(2, recorder.nextDelta().version());

        shadow.setConnection(second);
        assertEquals(List.of(), engine.subscriptions(first), "the first connection is no longer used");
        assertEquals(3, shadow.updateAndWait(ShadowUpdate.reported(Map.of("v", 2))).version());
        emulator.setDesired(thing, "s", "{\"v\":3}");
        ShadowDelta afterSwap = recorder.nextDelta();
        assertEquals(4, afterSwap.version());

        // the mqtt bundle going away: the connection is closed, requests wait for the next one
        shadow.setConnection(null);
        second.close();
        CompletionStage<ShadowDocument> waiting = shadow.get();
        Connections.Standalone third = connect("aws");
        shadow.setConnection(third);
        assertEquals(4, Waits.join(waiting).version());
        emulator.setDesired(thing, "s", "{\"v\":4}");
        assertEquals(5, recorder.nextDelta().version());
    }

    @Test
    void whenTheConnectionClosesSentRequestsFailAtOnceAndUnsentOnesMoveToTheNextConnection() {
        Connections.Standalone connection = connect("aws");
        String thing = unique("thing");
        ShadowClient shadow = engine.open(connection, ShadowSettings.builder(thing).operationTimeout(Duration.ofSeconds(30)).build());
        shadow.updateAndWait(ShadowUpdate.reported(Map.of("x", 0)));
        List<CompletionStage<ShadowDocument>> stages = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            stages.add(shadow.report(Map.of("x", i)));
        }
        connection.close(); // e.g. the mqtt bundle is stopped
        Connections.Standalone replacement = connect("aws");
        shadow.setConnection(replacement);
        long start = System.nanoTime();
        int closed = 0;
        int applied = 0;
        for (CompletionStage<ShadowDocument> s : stages) {
            try {
                s.toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
                applied++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof org.iotgateway.api.ConnectionClosedException, String.valueOf(e.getCause()));
                assertTrue(e.getCause().getMessage().contains("may or may not have been applied"), e.getCause().getMessage());
                closed++;
            } catch (Exception e) {
                throw new AssertionError("a request hung: " + e);
            }
        }
        assertEquals(30, closed + applied);
        assertTrue(closed <= ShadowSettings.DEFAULT_MAX_INFLIGHT, closed + " failed; only sent requests may fail");
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waitedMillis < 10_000, "took " + waitedMillis + " ms");
        assertEquals(30, shadow.getAndWait().reported().get("x"), "the last report was applied last");
    }

    @Test
    void twoHundredShadowsOnOneConnectionUseAtMostFiftySubscriptions() {
        CountingConnection connection = new CountingConnection(connect("aws"));
        List<ShadowClient> shadows = new ArrayList<>();
        Map<ShadowClient, Recorder> recorders = new HashMap<>();
        String prefix = unique("fleet");
        for (int i = 0; i < 100; i++) {
            String thing = prefix + "-" + i;
            shadows.add(engine.open(connection, ShadowSettings.builder(thing).build()));
            shadows.add(engine.open(connection, ShadowSettings.builder(thing).shadowName("cfg").build()));
        }
        for (ShadowClient s : shadows) {
            Recorder r = new Recorder();
            s.addDeltaListener(r);
            recorders.put(s, r);
        }
        List<CompletionStage<ShadowDocument>> updates = new ArrayList<>();
        for (ShadowClient s : shadows) {
            updates.add(s.report(Map.of("id", s.thingName() + "/" + s.shadowName())));
        }
        updates.forEach(Waits::join);
        List<CompletionStage<ShadowDocument>> gets = new ArrayList<>();
        for (ShadowClient s : shadows) {
            gets.add(s.get());
        }
        for (int i = 0; i < shadows.size(); i++) {
            ShadowClient s = shadows.get(i);
            ShadowDocument d = Waits.join(gets.get(i));
            assertEquals(s.thingName() + "/" + s.shadowName(), d.reported().get("id"), "reply routed to the wrong shadow");
        }
        // deltas reach exactly the right shadow
        ShadowClient target = shadows.get(137);
        emulator.setDesired(target.thingName(), emulatorName(target.shadowName()), "{\"id\":\"changed\"}");
        assertEquals(Map.of("id", "changed"), recorders.get(target).nextDelta().state());
        recorders.get(shadows.get(136)).assertNoDelta(100);

        assertTrue(connection.peak() <= 50, "peak " + connection.peak() + " subscriptions");
        // the per-shadow filters of the first 20 shadows linger a moment after the wildcards took over
        Waits.untilEquals(List.of(FilterPlan.GLOBAL_CLASSIC, FilterPlan.GLOBAL_NAMED), WAIT,
                () -> connection.filters().stream().sorted().collect(java.util.stream.Collectors.toList()));
        assertTrue(connection.peak() <= FilterPlan.DEFAULT_BUDGET + 2, "peak " + connection.peak());

        shadows.forEach(ShadowClient::close);
        Waits.untilEquals(0, WAIT, connection::distinctFilters);
    }

    @Test
    void twoHundredShadowsInPerRequestModeStayWithinFiftySubscriptions() {
        CountingConnection connection = new CountingConnection(connect("aws"));
        List<ShadowClient> shadows = new ArrayList<>();
        String prefix = unique("fleet");
        for (int i = 0; i < 200; i++) {
            shadows.add(engine.open(connection, ShadowSettings.builder(prefix + "-" + i).persistentSubscriptions(false).build()));
        }
        assertEquals(0, connection.distinctFilters(), "per-request mode subscribes nothing while idle");
        List<CompletionStage<ShadowDocument>> updates = new ArrayList<>();
        for (ShadowClient s : shadows) {
            updates.add(s.report(Map.of("n", 1)));
        }
        for (int i = 0; i < updates.size(); i++) {
            try {
                Waits.join(updates.get(i));
            } catch (AssertionError e) {
                System.err.println("DIAG failed " + shadows.get(i).thingName() + ": " + e.getMessage());
                System.err.println("DIAG emulator has " + emulator.shadow(shadows.get(i).thingName()));
                System.err.println("DIAG router filters " + engine.subscriptions(connection));
                System.err.println("DIAG counted filters " + connection.filters());
                throw e;
            }
        }
        assertTrue(connection.peak() <= 50, "peak " + connection.peak() + " subscriptions");
        Waits.untilEquals(0, WAIT, connection::distinctFilters);
    }
}
