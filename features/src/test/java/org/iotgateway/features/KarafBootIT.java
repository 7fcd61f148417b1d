package org.iotgateway.features;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.iotgateway.testsupport.FreePort;
import org.iotgateway.testsupport.MoquetteBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Boots the full Apache Karaf distribution, adds our features repository, installs {@code iotgw} from the console
 * and configures a connection with a {@code .cfg} file in {@code etc/}, the way an operator does it.
 * <p>
 * Karaf runs as its own process ({@code bin/karaf server}) on free ports, and resolves {@code mvn:} URLs only from its
 * {@code system/} folder and a repository the build fills with our bundles and the third-party bundles the features
 * need (no remote repositories, no user's local repository). Commands go through {@code bin/client} (SSH). The MQTT
 * broker (Moquette) runs in this JVM.
 */
class KarafBootIT {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
    private static final String CLIENT_ID = "karaf-boot-it";

    private static final List<String> FEATURE_BUNDLES = List.of(
            "org.iotgateway.api", "org.iotgateway.mqtt", "org.iotgateway.shadow", "org.iotgateway.jobs",
            "org.iotgateway.greengrass-discovery", "org.iotgateway.events", "org.eclipse.paho.client.mqttv3",
            "org.apache.felix.scr");

    private final String version = required("project.version");
    private Path home;
    private Process karaf;
    private MoquetteBroker broker;
    private int sshPort;
    private String password;

    @BeforeEach
    void unpackAndStart() throws Exception {
        Path work = Paths.get(required("karaf.work"));
        deleteTree(work);
        home = unzip(Paths.get(required("karaf.distribution")), work);

        broker = MoquetteBroker.launch();
        sshPort = FreePort.find();
        password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));

        Path etc = home.resolve("etc");
        set(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort", Integer.toString(sshPort));
        set(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost", "127.0.0.1");
        set(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort", Integer.toString(FreePort.find()));
        set(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort", Integer.toString(FreePort.find()));
        Files.writeString(etc.resolve("users.properties"), "karaf = " + password + ",_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n", UTF_8);
        // mvn: URLs: the distribution's system/ folder and the build's test repository; nothing remote
        Path repository = Paths.get(required("karaf.test.repository"));
        copyFeaturesIntoRepository(repository);
        Path mvn = etc.resolve("org.ops4j.pax.url.mvn.cfg");
        set(mvn, "org.ops4j.pax.url.mvn.repositories", "");
        set(mvn, "org.ops4j.pax.url.mvn.defaultRepositories", "${karaf.home.uri}${karaf.default.repository}"
                + "@id=system.repository@snapshots," + repository.toUri() + "@id=iotgw.test@snapshots");
        Files.writeString(mvn, "org.ops4j.pax.url.mvn.localRepository=" + work.resolve("empty-m2") + "\n", UTF_8,
                java.nio.file.StandardOpenOption.APPEND);

        ProcessBuilder builder = new ProcessBuilder("sh", "bin/karaf", "server").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("karaf-console.log").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("JAVA_OPTS");
        karaf = builder.start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (karaf != null) {
                if (karaf.isAlive()) {
                    client(Duration.ofSeconds(20), "system:shutdown -f");
                    karaf.waitFor(30, TimeUnit.SECONDS);
                }
                karaf.descendants().forEach(ProcessHandle::destroyForcibly);
                karaf.destroyForcibly();
                karaf.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void installsIotgwAndConnectsFromCfgFileInEtc() throws Exception {
        // the console is up once the features service answers
        waitFor(BOOT_TIMEOUT, () -> karaf.isAlive() && client(Duration.ofSeconds(30), "feature:list -i").ok(),
                "Karaf console over SSH");

        // one client session per step: every bin/client call starts a JVM
        String repo = "mvn:org.iotgateway/iotgw-features/" + version + "/xml/features";
        assertCommand(client(Duration.ofSeconds(180), "feature:repo-add " + repo + "\nfeature:install iotgw"));

        // a factory configuration dropped into etc/ (FileInstall) creates and connects an IoTConnection
        Path cfg = home.resolve("etc/org.iotgateway.mqtt.connection-karaf.cfg");
        Path tmp = home.resolve("org.iotgateway.mqtt.connection-karaf.tmp");
        Files.writeString(tmp, "connection.id=karaf\n"
                + "endpoint=127.0.0.1\n"
                + "port=" + broker.port() + "\n"
                + "transport=tcp\n"
                + "thing.name=" + CLIENT_ID + "\n"
                + "client.id=" + CLIENT_ID + "\n", UTF_8);
        Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE);
        waitFor(CONNECT_TIMEOUT, this::clientConnected, "connection " + CLIENT_ID + " at the broker");

        Result state = client(Duration.ofSeconds(30), "feature:list -i --no-format\n"
                + "bundle:list -s -t 0 --no-format\n"
                + "service:list org.iotgateway.api.IoTConnection");
        assertCommand(state);
        for (String feature : List.of("iotgw", "iotgw-connection", "iotgw-events", "iotgw-shadow", "iotgw-jobs",
                "iotgw-discovery", "scr", "eventadmin")) {
            assertEquals("Started", column(state.output, feature, 3), "feature " + feature + " in:\n" + state.output);
        }
        // every bundle of the features is Active
        for (String symbolicName : FEATURE_BUNDLES) {
            assertEquals("Active", column(state.output, symbolicName, 1), symbolicName + " in:\n" + state.output);
        }
        assertTrue(state.output.contains("[org.iotgateway.api.IoTConnection]"), "no IoTConnection service:\n" + state.output);
        String services = state.output.substring(state.output.indexOf("[org.iotgateway.api.IoTConnection]"));
        assertTrue(services.contains("connection.id = karaf"), services);
        assertTrue(services.contains("client.id = " + CLIENT_ID), services);
        assertTrue(services.contains("service.factoryPid = org.iotgateway.mqtt.connection"), services);
        assertTrue(services.contains("MQTT connection"), services);

        // deleting the file deletes the configuration: the connection disconnects
        Files.delete(cfg);
        waitFor(CONNECT_TIMEOUT, () -> !clientConnected(), "disconnect after deleting " + cfg.getFileName());
    }

    private boolean clientConnected() {
        return broker.server().listConnectedClients().stream().anyMatch(c -> CLIENT_ID.equals(c.getClientID()));
    }

    /**
     * A column of a {@code --no-format} (tab-separated) listing: the line whose first column ({@code feature:list}) or
     * last column ({@code bundle:list -s}) is {@code name}.
     */
    private static String column(String listing, String name, int index) {
        for (String line : listing.split("\\R")) {
            String[] columns = line.split("\t");
            if (columns.length > index
                    && (columns[0].trim().equals(name) || columns[columns.length - 1].trim().equals(name))) {
                return columns[index].trim();
            }
        }
        return null;
    }

    private void copyFeaturesIntoRepository(Path repository) throws IOException {
        Path dir = repository.resolve("org/iotgateway/iotgw-features/" + version);
        Files.createDirectories(dir);
        Files.copy(Paths.get(required("karaf.features.file")), dir.resolve("iotgw-features-" + version + "-features.xml"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private record Result(int exit, String output) {
        boolean ok() {
            return exit == 0 && !output.contains("Command not found") && !output.contains("Error executing command")
                    && !output.contains("Authentication failed");
        }
    }

    private void assertCommand(Result result) {
        if (!result.ok()) {
            fail("command failed (exit " + result.exit + "):\n" + result.output + "\n--- karaf.log (end) ---\n" + logTail());
        }
    }

    private Result client(Duration timeout, String command) {
        try {
            Path output = Files.createTempFile(home.getParent(), "client", ".out");
            try {
                // batch mode (-b): the command comes on stdin; without it the client ends the session at stdin's EOF
                ProcessBuilder builder = new ProcessBuilder("sh", "bin/client", "-h", "127.0.0.1", "-a",
                        Integer.toString(sshPort), "-u", "karaf", "-p", password, "-r", "1", "-b")
                        .directory(home.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
                builder.environment().remove("JAVA_OPTS");
                Process p = builder.start();
                try (OutputStream stdin = p.getOutputStream()) {
                    stdin.write((command + "\n").getBytes(UTF_8));
                }
                // bin/client exits when the command is done; the timeout guards a hanging session
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    return new Result(-1, "timed out after " + timeout + ": " + command + "\n"
                            + Files.readString(output, UTF_8));
                }
                return new Result(p.exitValue(), Files.readString(output, UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void waitFor(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within " + timeout + "\n--- karaf.log (end) ---\n" + logTail());
            }
            Thread.sleep(500);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("data/log/karaf.log"), UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no karaf.log: " + e + ")";
        }
    }

    /** Replaces (or appends) {@code key = value} in a Karaf .cfg file. */
    private static void set(Path file, String key, String value) throws IOException {
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        boolean continuation = false;
        for (String line : Files.readAllLines(file, UTF_8)) {
            if (continuation) {
                continuation = line.endsWith("\\");
                continue;
            }
            if (line.matches("\\s*" + Pattern.quote(key) + "\\s*[=:].*")) {
                out.add(key + " = " + value);
                replaced = true;
                continuation = line.endsWith("\\");
                continue;
            }
            out.add(line);
        }
        if (!replaced) {
            out.add(key + " = " + value);
        }
        Files.write(file, out, UTF_8);
    }

    private static Path unzip(Path zip, Path into) throws IOException {
        Path root = null;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null;) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("zip entry outside the target directory: " + entry.getName());
                }
                if (root == null) {
                    root = into.resolve(into.relativize(target).getName(0));
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (root == null || !Files.isRegularFile(root.resolve("bin/karaf"))) {
            throw new IOException(zip + " is not a Karaf distribution (no bin/karaf)");
        }
        return root;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException("system property " + property + " is not set (value '" + value
                    + "'); run this test through Maven: mvn -B verify");
        }
        return value;
    }
}
