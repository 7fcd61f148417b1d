package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.assertContains;
import static org.iotgateway.greengrass.internal.Support.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryBadRequestException;
import org.iotgateway.api.discovery.DiscoveryConnectionException;
import org.iotgateway.api.discovery.DiscoveryRejectedException;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.DiscoveryServerException;
import org.iotgateway.api.discovery.DiscoveryThrottledException;
import org.iotgateway.api.discovery.DiscoveryUnauthorizedException;
import org.iotgateway.api.discovery.ThingNotInGroupException;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DeviceCredentials;
import org.iotgateway.emulator.DiscoveryCore;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The discovery client against the emulator's discovery endpoint (mutual TLS, real HTTP server). */
class DiscoveryClientEmulatorTest {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static Emulator emulator;

    private DiscoveryClient client;
    private String thing;

    @BeforeAll
    static void startEmulator() {
        emulator = Emulator.builder().certificateDirectory(Support.certificateDirectory("client"))
                .tlsPort(-1).websocketPort(-1).build().start();
    }

    @AfterAll
    static void stopEmulator() {
        emulator.stop();
    }

    @BeforeEach
    void newClient() {
        client = Support.client(Support.discoveryProperties(emulator));
        thing = "thing-" + COUNTER.incrementAndGet();
    }

    @AfterEach
    void closeClient() {
        client.close();
        emulator.failDiscovery(0, 0);
    }

    private static DiscoveryGroup group(String id, String coreArn, String ca, Connectivity... entries) {
        return new DiscoveryGroup(id, List.of(new DiscoveryCore(coreArn, List.of(entries))), List.of(ca));
    }

    @Test
    void severalGroupsCoresAndEntriesInOrder() {
        String ca = emulator.certificates().caCertificatePem();
        emulator.setDiscoveryGroups(thing, List.of(
                new DiscoveryGroup("group-b", List.of(
                        new DiscoveryCore("arn:aws:iot:eu-west-1:1:thing/core-1", List.of(
                                new Connectivity("c1-a", "192.168.1.4", 8883, "plant-a"),
                                new Connectivity("c1-b", "127.0.0.1", 18883, ""))),
                        new DiscoveryCore("arn:aws:iot:eu-west-1:1:thing/core-2", List.of(
                                Connectivity.of("core-2.local", 8883)))),
                        List.of(ca, "second CA")),
                group("group-a", "arn:aws:iot:eu-west-1:1:thing/core-3", ca, Connectivity.of("10.1.1.1", 443))));
        DiscoveryResult r = client.discoverAndWait(thing);
        assertEquals(thing, r.thingName());
        assertEquals(List.of("group-b", "group-a"), List.of(r.groups().get(0).groupId(), r.groups().get(1).groupId()));
        assertEquals(List.of(ca, "second CA"), r.groups().get(0).caPems());
        assertEquals(List.of(new ConnectivityInfo("c1-a", "192.168.1.4", 8883, "plant-a"),
                new ConnectivityInfo("c1-b", "127.0.0.1", 18883, "")),
                r.groups().get(0).cores().get(0).connectivity());
        assertEquals("core-2", r.groups().get(0).cores().get(1).thingName());
        assertEquals(new ConnectivityInfo("AUTOIP_10.1.1.1_443", "10.1.1.1", 443, ""),
                r.groups().get(1).cores().get(0).connectivity().get(0));
    }

    @Test
    void asynchronousVariant() throws Exception {
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        CompletableFuture<DiscoveryResult> f = client.discover(thing).toCompletableFuture();
        assertEquals("g", f.get(10, TimeUnit.SECONDS).groups().get(0).groupId());
    }

    @Test
    void thingNotInAGroupIs404() {
        ThingNotInGroupException e = assertInstanceOf(ThingNotInGroupException.class,
                failure(client, thing));
        assertEquals(404, e.status());
        assertEquals(thing, e.thingName());
        assertContains(e.serviceMessage(), "not associated with a Greengrass group");
        assertThrows(ThingNotInGroupException.class, () -> client.discoverAndWait(thing));
    }

    @Test
    void unknownCertificateIs401() {
        DeviceCredentials stranger = emulator.issueDeviceCertificate("stranger-" + COUNTER.incrementAndGet());
        emulator.unregisterClientCertificate(stranger.certificate());
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.put("cert.file", stranger.certificateFile().toString());
        p.put("key.file", stranger.privateKeyFile().toString());
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        try (DiscoveryClient strangerClient = Support.client(p)) {
            DiscoveryUnauthorizedException e = assertInstanceOf(
                    DiscoveryUnauthorizedException.class, failure(strangerClient, thing));
            assertEquals(401, e.status());
            assertContains(e.getMessage(), "HTTP 401");
        }
    }

    @Test
    void throttledThenSuccess() {
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        emulator.failDiscovery(429, 2);
        long start = System.nanoTime();
        DiscoveryResult r = client.discoverAndWait(thing);
        assertEquals("g", r.groups().get(0).groupId());
        // the emulator sends Retry-After: 1, honoured up to retry.backoff.max.ms (100 ms here)
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }

    @Test
    void throttledOnEveryAttemptGivesUp() {
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        emulator.failDiscovery(429, 100);
        DiscoveryThrottledException e = assertInstanceOf(
                DiscoveryThrottledException.class, failure(client, thing));
        assertEquals(5, e.attempts());
        assertEquals(429, e.status());
        emulator.failDiscovery(0, 0);
        assertEquals("g", client.discoverAndWait(thing).groups().get(0).groupId());
    }

    @Test
    void serverErrorIs5xxAndNotRetried() {
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        emulator.failDiscovery(500, 1);
        DiscoveryServerException e = assertInstanceOf(DiscoveryServerException.class,
                failure(client, thing));
        assertEquals(500, e.status());
        assertContains(e.serviceMessage(), "Injected failure 500");
        emulator.failDiscovery(503, 1);
        assertEquals(503, ((DiscoveryServerException) failure(client, thing)).status());
        assertEquals("g", client.discoverAndWait(thing).groups().get(0).groupId());
    }

    @Test
    void badRequestIs400() {
        emulator.failDiscovery(400, 1);
        DiscoveryRejectedException e = assertInstanceOf(
                DiscoveryBadRequestException.class, failure(client, thing));
        assertEquals(400, e.status());
    }

    @Test
    void invalidThingNamesAreRefusedBeforeSending() {
        assertThrows(InvalidRequestException.class, () -> client.discover("a/b"));
        assertThrows(InvalidRequestException.class, () -> client.discover(""));
        assertThrows(InvalidRequestException.class, () -> client.discover(null));
        assertThrows(InvalidRequestException.class, () -> client.discoverAndWait("x".repeat(129)));
        assertThrows(InvalidRequestException.class, () -> client.discover("thing name"));
    }

    @Test
    void endpointWithAnotherCaFailsTheHandshake(@TempDir java.nio.file.Path dir) {
        TestPki other = TestPki.create(dir, "Other CA");
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.put("ca.file", other.caCert().toString());
        try (DiscoveryClient c = Support.client(p)) {
            Throwable e = failure(c, thing);
            assertInstanceOf(DiscoveryConnectionException.class, e);
            assertContains(e.getMessage(), "TLS handshake failed");
        }
    }

    @Test
    void nothingListeningIsAConnectionFailure() {
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.put("port", org.iotgateway.testsupport.FreePort.find());
        try (DiscoveryClient c = Support.client(p)) {
            assertInstanceOf(DiscoveryConnectionException.class, failure(c, thing));
        }
    }

    @Test
    void closingFailsPendingAndLaterDiscoveries() {
        emulator.setDiscoveryGroups(thing, List.of(group("g", "arn:c", "ca", Connectivity.of("h", 1))));
        emulator.failDiscovery(429, 100);
        Map<String, Object> p = Support.discoveryProperties(emulator);
        p.put("retry.backoff.base.ms", 10_000L);
        p.put("retry.backoff.max.ms", 10_000L);
        DiscoveryClient c = Support.client(p);
        CompletableFuture<DiscoveryResult> f = c.discover(thing).toCompletableFuture();
        c.close();
        Throwable e = assertThrows(Exception.class, () -> f.get(5, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(ConnectionClosedException.class, e);
        assertThrows(ConnectionClosedException.class, () -> c.discover(thing));
    }
}
