package org.iotgateway.distribution;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.iotgateway.testsupport.FreePort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the assembled gateway (target/gateway) the way a user does, with bin/gateway, and watches its terminal: the
 * connection to the emulator comes up, telemetry flows, the demo's desired-state change is applied and reported, its
 * job SUCCEEDS; every bundle is ACTIVE (Gogo {@code lb}); the Web Console answers; SIGTERM stops it cleanly.
 */
class GatewayIT {

    private static final Duration STORY_TIMEOUT = Duration.ofSeconds(180);
    private static final Pattern BUNDLE_LINE = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|\\s*(\\d+)\\|(.*)$");

    private final List<String> lines = new ArrayList<>();
    private Process process;
    private Thread reader;
    private Path data;
    private Path log;

    @BeforeEach
    void start() throws IOException {
        Path home = Path.of(System.getProperty("gateway.home", "target/gateway"));
        Path script = home.resolve("bin/gateway");
        assertTrue(Files.isExecutable(script), script + " is not there: run mvn package first");
        data = Files.createTempDirectory("gateway-it");
        log = Path.of("target", "gateway-it.log");
        ProcessBuilder pb = new ProcessBuilder(script.toString()).redirectErrorStream(true);
        pb.environment().put("GATEWAY_DATA", data.toString());
        pb.environment().put("IOTGW_EMULATOR_TLS_PORT", String.valueOf(tlsPort = FreePort.find()));
        pb.environment().put("IOTGW_HTTP_PORT", String.valueOf(httpPort = FreePort.find()));
        pb.environment().put("JAVA_OPTS", "-Xmx64m");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = pb.start();
        reader = new Thread(this::readOutput, "gateway-output");
        reader.setDaemon(true);
        reader.start();
    }

    private int tlsPort;
    private int httpPort;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        if (reader != null) {
            reader.join(5000);
        }
        synchronized (lines) {
            Files.write(log, lines, UTF_8);
        }
        if (data != null) {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void demoStoryFromStartToCleanStop() throws Exception {
        // the connection comes up, on the emulator's TLS port
        String connected = await("Connection 'aws': connected to ssl://localhost:" + tlsPort);
        // on this first start the emulator generates the certificates while the connection's configuration is read:
        // the connection waits for the files and comes up by itself, without any error logged
        List<String> startup;
        synchronized (lines) {
            startup = new ArrayList<>(lines.subList(0, indexOf(lines, connected) + 1));
        }
        assertTrue(startup.stream().noneMatch(l -> l.contains(" ERROR ")), "errors before connecting: " + startup);
        // telemetry flows
        await("Telemetry #1 published to dt/gateway-1/telemetry");
        // the desired state set by the demo driver is applied by the app and reported
        await("demo-app - Desired state applied: led off -> on");
        await("demo-app - Reported applied desired state {led=on}");
        await("demo-driver - Demo driver: the shadow of gateway-1 is in sync");
        // the job runs through the JobHandler to SUCCEEDED, as the device and as the service see it
        String job = await("demo-driver - Demo driver (acting as the cloud): creating job set-interval-");
        String jobId = job.replaceAll(".*creating job (set-interval-\\d+).*", "$1");
        await("demo-app - Job " + jobId + ": telemetry interval 5 s -> 2 s, done");
        await("Thing 'gateway-1': job " + jobId + " (execution 1) is SUCCEEDED");
        await("Demo driver: job " + jobId + " is SUCCEEDED at the service");
        assertTrue(connected.contains("MqttConnection"), connected);

        // every bundle is ACTIVE (fragments are RESOLVED): ask the shell, as an operator would
        PrintWriter shell = new PrintWriter(process.getOutputStream(), true, UTF_8);
        int before = size();
        shell.println("lb");
        await("START LEVEL 5");
        awaitLine(Pattern.compile("^\\s*\\d+\\|\\w+\\s*\\|\\s*5\\|Apache Felix File Install.*"), before);
        List<String> bundles = new ArrayList<>();
        synchronized (lines) {
            for (String l : lines.subList(before, lines.size())) {
                Matcher m = BUNDLE_LINE.matcher(l.replaceFirst("^g! ", ""));
                if (m.matches()) {
                    bundles.add(l);
                    String state = m.group(2);
                    boolean fragment = m.group(4).startsWith("slf4j-simple");
                    assertEquals(fragment ? "Resolved" : "Active", state, "bundle not started: " + l);
                }
            }
        }
        assertEquals(35, bundles.size(), "bundles listed: " + bundles);

        // the operator commands see the connection and its queue
        before = size();
        shell.println("iot:connections");
        awaitLine(Pattern.compile(".*aws\\s+CONNECTED\\s+\\d+\\s+localhost:" + tlsPort + "\\s+mqtts\\s+gateway-1.*"), before);

        // the Web Console answers on localhost, with the configuration page listing our forms
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> console = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/system/console/configMgr"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(UTF_8)))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, console.statusCode());

        // SIGTERM (what Ctrl-C's SIGINT also does): the framework stops, the connection disconnects, the process ends
        before = size();
        process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the gateway did not stop within 60 s of SIGTERM");
        reader.join(10_000);
        assertEquals(143, process.exitValue(), "exit status after SIGTERM");
        assertFalse(process.isAlive());
        List<String> tail;
        synchronized (lines) {
            tail = new ArrayList<>(lines.subList(before, lines.size()));
        }
        assertContains(tail, "demo-app - Example app stopped");
        assertContains(tail, "Connection 'aws': disconnected from ssl://localhost:" + tlsPort);
        assertContains(tail, "AWS IoT emulator stopped (0 client(s) were still connected)");
        assertTrue(indexOf(tail, "disconnected from") < indexOf(tail, "AWS IoT emulator stopped"),
                "the connection must disconnect before the emulator stops: " + tail);
        assertTrue(tail.stream().noneMatch(l -> l.contains("Exception")), "exceptions while stopping: " + tail);
        // the disk queue is where the configuration says, for the next start
        assertTrue(Files.isDirectory(data.resolve("queue").resolve("aws")), "disk queue directory");
    }

    // ------------------------------------------------------------------ helpers

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // process gone
        }
    }

    private int size() {
        synchronized (lines) {
            return lines.size();
        }
    }

    private String await(String fragment) throws InterruptedException {
        return awaitLine(Pattern.compile(".*" + Pattern.quote(fragment) + ".*"), 0);
    }

    private String awaitLine(Pattern pattern, int from) throws InterruptedException {
        long end = System.nanoTime() + STORY_TIMEOUT.toNanos();
        int next = from;
        synchronized (lines) {
            while (true) {
                for (; next < lines.size(); next++) {
                    if (pattern.matcher(lines.get(next)).matches()) {
                        return lines.get(next);
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && next >= lines.size())) {
                    fail("no line matching " + pattern + " within " + STORY_TIMEOUT.toSeconds() + " s; output so far:\n"
                            + String.join("\n", lines));
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private static void assertContains(List<String> output, String fragment) {
        assertTrue(indexOf(output, fragment) >= 0, "no '" + fragment + "' in:\n" + String.join("\n", output));
    }

    private static int indexOf(List<String> output, String fragment) {
        for (int i = 0; i < output.size(); i++) {
            if (output.get(i).contains(fragment)) {
                return i;
            }
        }
        return -1;
    }

}
