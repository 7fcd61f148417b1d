package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The Java control surface tests use, seen from a device speaking raw MQTT. */
class ControlApiTest extends EmulatorTestBase {

    @Test
    void settingDesiredStateReachesTheDeviceAsADelta() {
        String thing = unique("ctl");
        String prefix = "$aws/things/" + thing + "/shadow";
        TestClient device = client(prefix + "/update/delta", prefix + "/update/accepted", prefix + "/update/documents");
        String accepted = emulator.setDesired(thing, null, "{\"led\":{\"color\":\"red\"}}");
        assertEquals(1, json(accepted).get("version").asInt());
        JsonNode delta = device.await(prefix + "/update/delta");
        assertEquals(json("{\"led\":{\"color\":\"red\"}}"), delta.get("state"));
        assertFalse(delta.has("clientToken"));
        device.await(prefix + "/update/accepted");
        device.await(prefix + "/update/documents");

        emulator.setReported(thing, null, "{\"led\":{\"color\":\"red\"}}");
        JsonNode doc = json(emulator.shadow(thing).orElseThrow());
        assertEquals(2, doc.get("version").asInt());
        assertTrue(doc.at("/state/delta").isMissingNode());
        assertFalse(doc.has("clientToken"));
    }

    @Test
    void rejectedControlUpdatesThrowWithTheServiceCode() {
        String thing = unique("ctl");
        emulator.setReported(thing, null, "{\"a\":1}");
        ShadowRejectedException conflict = assertThrows(ShadowRejectedException.class,
                () -> emulator.updateShadow(thing, null, "{\"state\":{\"reported\":{\"a\":2}},\"version\":7}"));
        assertEquals(409, conflict.code());
        ShadowRejectedException bad = assertThrows(ShadowRejectedException.class,
                () -> emulator.updateShadow(thing, null, "{\"nostate\":1}"));
        assertEquals(400, bad.code());
        assertThrows(IllegalArgumentException.class, () -> emulator.setDesired(thing, null, "{not json"));
    }

    @Test
    void namedShadowsThroughTheControlApi() {
        String thing = unique("ctl");
        emulator.setDesired(thing, "firmware", "{\"version\":\"2.0\"}");
        emulator.setDesired(thing, "config", "{\"rate\":1}");
        assertEquals(List.of("config", "firmware"), emulator.namedShadows(thing));
        assertTrue(emulator.shadow(thing).isEmpty(), "the classic shadow is separate");
        assertTrue(emulator.deleteShadow(thing, "config"));
        assertFalse(emulator.deleteShadow(thing, "config"));
        assertEquals(List.of("firmware"), emulator.namedShadows(thing));
    }

    @Test
    void jobsThroughTheControlApi() {
        String thing = unique("ctljobs");
        emulator.createJob(thing + "-a", "{\"op\":\"a\"}", thing);
        emulator.createJob(thing + "-b", "{\"op\":\"b\"}", List.of(thing));
        List<JobExecution> all = emulator.jobExecutions(thing);
        assertEquals(2, all.size());
        JobExecution a = all.get(0);
        assertEquals(thing + "-a", a.jobId());
        assertEquals("QUEUED", a.status());
        assertEquals(json("{\"op\":\"a\"}"), json(a.jobDocument()));
        assertEquals(T0_SECONDS, a.queuedAt());
        assertEquals(null, a.startedAt());
        assertEquals(1, a.versionNumber());
        assertEquals(1, a.executionNumber());
        assertFalse(a.isTerminal());
        assertTrue(emulator.jobExecution(thing, "missing").isEmpty());
    }

    @Test
    void certificatesAreWrittenAndReused() throws Exception {
        EmulatorCertificates certs = emulator.certificates();
        assertTrue(Files.isRegularFile(certs.caCertificateFile()));
        assertTrue(Files.isRegularFile(certs.serverCertificateFile()));
        assertTrue(certs.deviceNames().containsAll(List.of("device", "gateway")));
        DeviceCredentials d = emulator.device("device");
        assertTrue(Files.readString(d.certificateFile()).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(d.privateKeyFile()).startsWith("-----BEGIN PRIVATE KEY-----"));
        d.certificate().verify(certs.caCertificate().getPublicKey());
        certs.serverCertificate().verify(certs.caCertificate().getPublicKey());
        assertTrue(certs.serverCertificate().getSubjectAlternativeNames().toString().contains("127.0.0.1"));

        String name = unique("issued");
        DeviceCredentials issued = emulator.issueDeviceCertificate(name);
        assertEquals(issued.certificate(), emulator.issueDeviceCertificate(name).certificate(), "issued once");

        // a second emulator on the same directory reuses everything
        try (Emulator again = Emulator.builder().certificateDirectory(CERTS).devices(name).build().start()) {
            assertEquals(certs.caCertificate(), again.certificates().caCertificate());
            assertEquals(issued.certificate(), again.device(name).certificate());
        }
    }

    @Test
    void connectedClientsShowUp() {
        TestClient c = client();
        assertTrue(eventuallyListed(emulator, c.client.getClientId()));
        assertTrue(emulator.isBrokerRunning());
        assertTrue(emulator.isRunning());
        assertTrue(emulator.toString().contains("mqtt=" + emulator.mqttPort()));
    }

    @Test
    void temporaryCertificatesAndListenersGoAwayOnStop() throws Exception {
        Emulator e = Emulator.builder().tlsPort(-1).websocketPort(-1).discoveryPort(-1).build().start();
        java.nio.file.Path dir = e.certificates().directory();
        int port = e.mqttPort();
        assertEquals(-1, e.tlsPort());
        assertEquals(-1, e.websocketPort());
        assertEquals(-1, e.discoveryPort());
        assertTrue(Files.isDirectory(dir));
        e.stop();
        e.stop();
        assertFalse(e.isRunning());
        assertFalse(Files.exists(dir));
        new java.net.ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1")).close();
        assertThrows(IllegalStateException.class, e::start);
        assertThrows(IllegalStateException.class, () -> e.setDesired("t", null, "{}"));
    }
}
