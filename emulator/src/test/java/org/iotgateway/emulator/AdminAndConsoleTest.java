package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import org.iotgateway.emulator.internal.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The operations of the standalone program: admin HTTP endpoint and console commands. */
class AdminAndConsoleTest {
    private static Emulator emulator;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        emulator = Emulator.builder().certificateDirectory(EmulatorTestBase.CERTS).adminPort(0).build().start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.adminUrl() + path))
                .timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(method, path, body);
        assertTrue(r.statusCode() / 100 == 2, method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return EmulatorTestBase.json(r.body());
    }

    @Test
    void statusShowsPortsAndCertificates() throws Exception {
        JsonNode s = ok("GET", "/status", null);
        assertEquals(emulator.mqttPort(), s.at("/ports/mqtt").asInt());
        assertEquals(emulator.tlsPort(), s.at("/ports/tls").asInt());
        assertEquals(emulator.websocketPort(), s.at("/ports/websocket").asInt());
        assertEquals(emulator.discoveryPort(), s.at("/ports/discovery").asInt());
        assertEquals(emulator.adminPort(), s.at("/ports/admin").asInt());
        assertTrue(s.at("/certificates/ca").asText().endsWith("ca.cert.pem"));
        assertTrue(s.at("/certificates/devices/device/privateKey").asText().endsWith("device.private.key"));
        assertTrue(s.get("brokerRunning").asBoolean());
    }

    @Test
    void shadowsJobsDiscoveryAndBrokerOverHttp() throws Exception {
        String thing = "admin-thing";
        JsonNode acc = ok("POST", "/shadows/" + thing + "/desired", "{\"fan\":\"on\"}");
        assertEquals(1, acc.get("version").asInt());
        JsonNode doc = ok("GET", "/shadows/" + thing, null);
        assertEquals("on", doc.at("/state/delta/fan").asText());
        ok("POST", "/shadows/" + thing + "?name=cfg", "{\"state\":{\"reported\":{\"x\":1}}}");
        assertEquals("cfg", ok("GET", "/shadows/" + thing + "/names", null).get(0).asText());
        assertEquals(409, call("POST", "/shadows/" + thing, "{\"state\":{},\"version\":99}").statusCode());
        ok("DELETE", "/shadows/" + thing + "?name=cfg", null);
        assertEquals(404, call("GET", "/shadows/" + thing + "?name=cfg", null).statusCode());

        ok("POST", "/jobs", "{\"jobId\":\"admin-job\",\"document\":{\"op\":\"reboot\"},\"things\":[\"" + thing + "\"]}");
        JsonNode execs = ok("GET", "/things/" + thing + "/jobs", null);
        assertEquals("QUEUED", execs.at("/0/status").asText());
        assertEquals("reboot", execs.at("/0/jobDocument/op").asText());
        assertEquals(409, call("POST", "/jobs", "{\"jobId\":\"admin-job\",\"document\":{},\"things\":[\"t\"]}")
                .statusCode());
        assertEquals(1, ok("POST", "/jobs/admin-job/cancel", null).get("canceled").asInt());
        assertEquals("CANCELED", ok("GET", "/things/" + thing + "/jobs/admin-job", null).get("status").asText());

        String groups = "{\"GGGroups\":[{\"GGGroupId\":\"g1\",\"Cores\":[{\"thingArn\":\"arn:aws:iot:r:1:thing/core\","
                + "\"Connectivity\":[{\"Id\":\"c1\",\"HostAddress\":\"10.0.0.1\",\"PortNumber\":8883,\"Metadata\":\"\"}]}],"
                + "\"CAs\":[\"pem\"]}]}";
        assertEquals(EmulatorTestBase.json(groups), ok("PUT", "/discovery/" + thing, groups));
        assertEquals(EmulatorTestBase.json(groups), ok("GET", "/discovery/" + thing, null));
        ok("POST", "/discovery/fail", "{\"status\":429,\"times\":1}");
        emulator.failDiscovery(0, 0);

        assertFalse(ok("POST", "/broker/stop", null).get("running").asBoolean());
        assertFalse(emulator.isBrokerRunning());
        assertTrue(ok("POST", "/broker/start", null).get("running").asBoolean());
        assertTrue(emulator.isBrokerRunning());

        assertEquals(404, call("GET", "/nowhere", null).statusCode());
        assertEquals(405, call("DELETE", "/status", null).statusCode());
        assertEquals(400, call("POST", "/shadows/" + thing + "/desired", "{broken").statusCode());
    }

    @Test
    void consoleCommands() {
        String thing = "console-thing";
        assertTrue(Main.execute(emulator, "help").contains("desired"));
        assertEquals(1, EmulatorTestBase.json(Main.execute(emulator, "desired " + thing + " {\"a\": 1}"))
                .get("version").asInt());
        assertTrue(Main.execute(emulator, "shadow " + thing).contains("\"delta\":{\"a\":1}"));
        Main.execute(emulator, "reported " + thing + "/named {\"b\":2}");
        assertTrue(Main.execute(emulator, "shadow " + thing + "/named").contains("\"b\":2"));
        assertEquals("created console-job", Main.execute(emulator, "job console-job " + thing + " {\"op\":\"x\"}"));
        assertTrue(Main.execute(emulator, "jobs " + thing).startsWith("console-job QUEUED"));
        assertEquals("canceled 1 execution(s)", Main.execute(emulator, "cancel console-job"));
        assertEquals("broker stopped", Main.execute(emulator, "broker stop"));
        assertEquals("broker started", Main.execute(emulator, "broker start"));
        assertTrue(Main.execute(emulator, "device console-device").endsWith("console-device.private.key"));
        assertEquals("deleted", Main.execute(emulator, "delete-shadow " + thing));
        assertEquals("0 execution(s) timed out", Main.execute(emulator, "check-timeouts"));
        assertEquals("ok", Main.execute(emulator, "discovery-fail 500 1"));
        emulator.failDiscovery(0, 0);
    }

    @Test
    void bannerTellsWhereEverythingIs() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Main.printBanner(new PrintStream(out, true, StandardCharsets.UTF_8), emulator, 123);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains(emulator.mqttUrl()), text);
        assertTrue(text.contains(emulator.tlsUrl()), text);
        assertTrue(text.contains(emulator.websocketUrl()), text);
        assertTrue(text.contains(emulator.discoveryUrl() + "/greengrass/discover/thing/<thing>"), text);
        assertTrue(text.contains(emulator.adminUrl()), text);
        assertTrue(text.contains(emulator.certificates().caCertificateFile().toAbsolutePath().toString()), text);
        assertTrue(text.contains(emulator.device("device").privateKeyFile().toAbsolutePath().toString()), text);
    }
}
