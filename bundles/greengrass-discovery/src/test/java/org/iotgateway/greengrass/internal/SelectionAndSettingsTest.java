package org.iotgateway.greengrass.internal;

import static org.iotgateway.greengrass.internal.Support.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryBadRequestException;
import org.iotgateway.api.discovery.DiscoveryRejectedException;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.DiscoveryServerException;
import org.iotgateway.api.discovery.DiscoveryThrottledException;
import org.iotgateway.api.discovery.DiscoveryUnauthorizedException;
import org.iotgateway.api.discovery.GreengrassCore;
import org.iotgateway.api.discovery.GreengrassGroup;
import org.iotgateway.api.discovery.ThingNotInGroupException;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core selection, settings validation and the API's value and exception types. */
class SelectionAndSettingsTest {

    private static GreengrassCore core(String name, ConnectivityInfo... entries) {
        return new GreengrassCore("arn:aws:iot:eu-west-1:1:thing/" + name, List.of(entries));
    }

    private static final DiscoveryResult RESULT = new DiscoveryResult("t", List.of(
            new GreengrassGroup("g1", List.of(core("c1", new ConnectivityInfo("a", "h1", 1, "zone-a lan"),
                    new ConnectivityInfo("b", "h2", 2, "zone-a wan"))), List.of("ca1")),
            new GreengrassGroup("g2", List.of(core("c2", new ConnectivityInfo("c", "h3", 3, "zone-b lan")),
                    core("c3", new ConnectivityInfo("d", "h4", 4, ""))), List.of("ca2"))));

    private static List<String> ids(Map<String, Object> filters) {
        Map<String, Object> p = new HashMap<>(filters);
        p.put("thing.name", "t");
        return CoreSelector.candidates(RESULT, Support.autoConnectSettings(p)).stream().map(c -> c.entry.id())
                .collect(Collectors.toList());
    }

    @Test
    void candidatesKeepTheServicesOrderAndPassTheFilters() {
        assertEquals(List.of("a", "b", "c", "d"), ids(Map.of()));
        assertEquals(List.of("c", "d"), ids(Map.of("group.id", "g2")));
        assertEquals(List.of("d"), ids(Map.of("core.arn", "arn:aws:iot:eu-west-1:1:thing/c3")));
        assertEquals(List.of("d"), ids(Map.of("core.arn", "c3")));
        assertEquals(List.of("a", "c"), ids(Map.of("connectivity.metadata", "lan")));
        assertEquals(List.of("c"), ids(Map.of("group.id", "g2", "connectivity.metadata", "lan")));
        assertEquals(List.of(), ids(Map.of("group.id", "g3")));
    }

    private static Map<String, Object> discovery(Path dir) {
        TestPki pki = TestPki.create(dir);
        TestPki.Issued device = pki.client("device-s");
        Map<String, Object> p = new HashMap<>();
        p.put("endpoint", "greengrass-ats.iot.eu-west-1.amazonaws.com");
        p.put("cert.file", device.cert().toString());
        p.put("key.file", device.key().toString());
        p.put("ca.file", pki.caCert().toString());
        return p;
    }

    private static String invalid(Map<String, Object> p) {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> {
            DiscoverySettings s = Support.discoverySettings(p);
            TlsSetup.discovery(s, TlsSetup.deviceKey(s, s));
            TlsSetup.proxy(s);
        });
        return e.getMessage();
    }

    @Test
    void discoverySettings(@TempDir Path dir) {
        Map<String, Object> p = discovery(dir);
        DiscoverySettings s = Support.discoverySettings(p);
        assertEquals("greengrass", s.discoveryId);
        assertEquals(8443, s.port);
        assertEquals(List.of(), s.alpn);
        assertEquals(1024 * 1024, s.maxResponseBytes);
        assertEquals(5, s.attempts);
        assertContains(s.toString(), "https://greengrass-ats.iot.eu-west-1.amazonaws.com:8443");

        assertContains(invalid(Map.of()), "endpoint: is required");
        Map<String, Object> q = new HashMap<>(p);
        q.put("endpoint", "https://greengrass-ats.iot.eu-west-1.amazonaws.com:8443");
        assertContains(invalid(q), "endpoint: ");
        q = new HashMap<>(p);
        q.put("port", 0);
        assertContains(invalid(q), "port: 0 is not a TCP port");
        q = new HashMap<>(p);
        q.remove("key.file");
        assertContains(invalid(q), "key.file: cert.file and key.file must be set together");
        q = new HashMap<>(p);
        q.remove("key.file");
        q.remove("cert.file");
        assertContains(invalid(q), "cert.file: Greengrass discovery authenticates with the device certificate");
        q = new HashMap<>(p);
        q.put("keystore.file", "/etc/iot/device.p12");
        assertContains(invalid(q), "keystore.file: give either");
        q = new HashMap<>(p);
        q.put("key.file", dir.resolve("missing.key").toString());
        assertContains(invalid(q), "key.file: ");
        q = new HashMap<>(p);
        q.put("ca.file", dir.resolve("missing-ca.pem").toString());
        assertContains(invalid(q), "ca.file: ");
        q = new HashMap<>(p);
        q.put("retry.attempts", 0);
        assertContains(invalid(q), "retry.attempts");
        q = new HashMap<>(p);
        q.put("retry.backoff.max.ms", 10L);
        assertContains(invalid(q), "retry.backoff.max.ms");
        q = new HashMap<>(p);
        q.put("max.response.bytes", 10);
        assertContains(invalid(q), "max.response.bytes");
        q = new HashMap<>(p);
        q.put("timeout", 0);
        assertContains(invalid(q), "timeout");
        q = new HashMap<>(p);
        q.put("proxy.host", "proxy.plant");
        q.put("proxy.password", "secret");
        String message = invalid(q);
        assertContains(message, "proxy.username");
        assertEquals(-1, message.indexOf("secret"));
    }

    @Test
    void autoConnectSettings() {
        AutoConnectSettings s = Support.autoConnectSettings(Map.of("thing.name", "gw-1"));
        assertEquals("greengrass", s.connectionId);
        assertEquals("gw-1", s.clientId);
        assertEquals(60_000, s.rediscoveryAfter.toMillis());
        assertEquals("none", s.filters());
        assertContains(assertThrows(InvalidConfigurationException.class,
                () -> Support.autoConnectSettings(Map.of())).getMessage(), "thing.name: is required");
        assertContains(assertThrows(InvalidConfigurationException.class,
                () -> Support.autoConnectSettings(Map.of("thing.name", "a b"))).getMessage(), "thing.name: 'a b'");
        assertContains(assertThrows(InvalidConfigurationException.class,
                () -> Support.autoConnectSettings(Map.of("thing.name", "t", "client.id", "x".repeat(129))))
                .getMessage(), "client.id");
        assertContains(assertThrows(InvalidConfigurationException.class,
                () -> Support.autoConnectSettings(Map.of("thing.name", "t", "retry.backoff.max.ms", "10")))
                .getMessage(), "retry.backoff.max.ms");
    }

    @Test
    void rejectedStatusesMapToTypes() {
        assertEquals(DiscoveryBadRequestException.class, DiscoveryRejectedException.of(400, "", "t", "e", 1).getClass());
        assertEquals(DiscoveryUnauthorizedException.class, DiscoveryRejectedException.of(401, "", "t", "e", 1).getClass());
        assertEquals(DiscoveryUnauthorizedException.class, DiscoveryRejectedException.of(403, "", "t", "e", 1).getClass());
        assertEquals(ThingNotInGroupException.class, DiscoveryRejectedException.of(404, "", "t", "e", 1).getClass());
        assertEquals(DiscoveryThrottledException.class, DiscoveryRejectedException.of(429, "", "t", "e", 3).getClass());
        assertEquals(DiscoveryServerException.class, DiscoveryRejectedException.of(502, "", "t", "e", 1).getClass());
        assertEquals(DiscoveryRejectedException.class, DiscoveryRejectedException.of(418, "", "t", "e", 1).getClass());
    }

    @Test
    void valuesCheckTheirContent() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectivityInfo("x", " ", 1, ""));
        assertThrows(IllegalArgumentException.class, () -> new ConnectivityInfo("x", "h", 65536, ""));
        assertThrows(IllegalArgumentException.class, () -> new GreengrassGroup("", List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new GreengrassCore("arn", java.util.Arrays.asList(
                (ConnectivityInfo) null)));
        assertEquals("arn-without-thing", new GreengrassCore("arn-without-thing", List.of()).thingName());
        assertEquals("ConnectivityInfo[i: [fe80::1]:8883]", new ConnectivityInfo("i", "fe80::1", 8883, null)
                .toString());
    }
}
