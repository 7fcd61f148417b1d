package org.iotgateway.emulator.internal;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.iotgateway.emulator.DeviceCredentials;
import org.iotgateway.emulator.Emulator;
import org.iotgateway.emulator.EmulatorException;
import org.iotgateway.emulator.JobExecution;
import org.iotgateway.emulator.KeyAlgorithm;

/**
 * The standalone emulator: {@code java -jar iotgw-emulator.jar [options]}. Prints where everything is,
 * serves the admin HTTP endpoint and reads commands from standard input until stopped.
 */
public final class Main {

    private static final String USAGE = String.join("\n",
            "Usage: java -jar iotgw-emulator.jar [options]",
            "",
            "Options (port 0 = ephemeral, -1 = disabled):",
            "  --host <address>          bind address of every listener (default 127.0.0.1; 0.0.0.0 = all)",
            "  --mqtt-port <port>        MQTT over TCP (default 1883)",
            "  --tls-port <port>         MQTT over TLS, client certificate required (default 8883)",
            "  --ws-port <port>          MQTT over WebSocket, path /mqtt (default 8080)",
            "  --discovery-port <port>   Greengrass discovery HTTPS, mutual TLS (default 8443)",
            "  --admin-port <port>       admin HTTP endpoint (default 9080)",
            "  --cert-dir <dir>          certificates: generated on first start, reused later",
            "                            (default ./emulator-certs)",
            "  --device <name>           make sure a device certificate exists (repeatable; default: device)",
            "  --server-name <name|ip>   extra DNS name / IP in the generated server certificate (repeatable)",
            "  --ca <cert.pem> <key.pem> use this CA instead of generating one",
            "  --server-cert <cert.pem> <key.pem>  use this server certificate",
            "  --trust-ca <ca.pem>       also accept client certificates signed by this CA (repeatable)",
            "  --rsa                     generate RSA 2048 keys instead of EC P-256",
            "  --timeout-check <ms>      how often job step timeouts are checked (default 1000)",
            "  --latency <ms>            simulated service latency of every shadow and jobs request (default 0)",
            "  --no-console              do not read commands from standard input",
            "  --help                    this text");

    private static final String COMMANDS = String.join("\n",
            "Commands (<thing>/<shadow> addresses a named shadow):",
            "  status | clients",
            "  shadow <thing>[/<shadow>]                   print the shadow",
            "  update <thing>[/<shadow>] <json>            apply an update document",
            "  desired <thing>[/<shadow>] <json>           set desired state",
            "  reported <thing>[/<shadow>] <json>          set reported state",
            "  delete-shadow <thing>[/<shadow>]",
            "  job <jobId> <thing>[,<thing>...] <json>     create a job",
            "  cancel <jobId> [force]                      cancel a job",
            "  cancel-execution <thing> <jobId> [force]",
            "  remove-execution <thing> <jobId>",
            "  jobs <thing>                                list the thing's job executions",
            "  check-timeouts",
            "  broker stop | broker start                  simulate an outage (same ports)",
            "  disconnect <clientId>",
            "  discovery-fail <status> [times]             e.g. discovery-fail 429 2",
            "  device <name>                               issue a device certificate",
            "  help | quit");

    private Main() {
    }

    public static void main(String[] args) {
        setDefaultLogLevels();
        Emulator.Builder b = Emulator.builder()
                .mqttPort(1883).tlsPort(8883).websocketPort(8080).discoveryPort(8443).adminPort(9080)
                .certificateDirectory(Path.of("emulator-certs"));
        List<String> devices = new ArrayList<>();
        boolean console = true;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--host" -> b.host(arg(args, ++i, a));
                    case "--mqtt-port" -> b.mqttPort(intArg(args, ++i, a));
                    case "--tls-port" -> b.tlsPort(intArg(args, ++i, a));
                    case "--ws-port" -> b.websocketPort(intArg(args, ++i, a));
                    case "--discovery-port" -> b.discoveryPort(intArg(args, ++i, a));
                    case "--admin-port" -> b.adminPort(intArg(args, ++i, a));
                    case "--cert-dir" -> b.certificateDirectory(Path.of(arg(args, ++i, a)));
                    case "--device" -> devices.add(arg(args, ++i, a));
                    case "--server-name" -> b.serverName(arg(args, ++i, a));
                    case "--ca" -> b.caCertificate(Path.of(arg(args, ++i, a)), Path.of(arg(args, ++i, a)));
                    case "--server-cert" -> b.serverCertificate(Path.of(arg(args, ++i, a)), Path.of(arg(args, ++i, a)));
                    case "--trust-ca" -> b.trustClientCa(Path.of(arg(args, ++i, a)));
                    case "--rsa" -> b.keyAlgorithm(KeyAlgorithm.RSA_2048);
                    case "--timeout-check" -> b.timeoutCheckInterval(Duration.ofMillis(intArg(args, ++i, a)));
                    case "--latency" -> b.requestLatency(Duration.ofMillis(intArg(args, ++i, a)));
                    case "--no-console" -> console = false;
                    case "--help", "-h" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (!devices.isEmpty()) {
            b.devices(devices.toArray(new String[0]));
        }
        Emulator emulator;
        long t0 = System.nanoTime();
        try {
            emulator = b.build().start();
        } catch (EmulatorException | IllegalArgumentException e) {
            System.err.println("Cannot start the emulator: " + e.getMessage());
            System.exit(1);
            return;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.stop();
            done.countDown();
        }, "emulator-shutdown"));
        printBanner(System.out, emulator, ms);
        if (console) {
            Thread t = new Thread(() -> console(emulator, done), "emulator-console");
            t.setDaemon(true);
            t.start();
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        emulator.stop();
        System.exit(0);
    }

    /** Quiet Moquette and Netty unless the user configured slf4j-simple otherwise. */
    private static void setDefaultLogLevels() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.log.io.moquette", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.io.netty", "warn");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static void printBanner(PrintStream out, Emulator e, long startMillis) {
        out.println();
        out.println("iotgw emulator started in " + startMillis + " ms");
        out.println("  MQTT (TCP)        " + (e.mqttPort() < 0 ? "disabled" : e.mqttUrl()));
        out.println("  MQTT (TLS, mTLS)  " + (e.tlsPort() < 0 ? "disabled" : e.tlsUrl()));
        out.println("  MQTT (WebSocket)  " + (e.websocketPort() < 0 ? "disabled" : e.websocketUrl()));
        out.println("  Discovery (mTLS)  " + (e.discoveryPort() < 0 ? "disabled"
                : e.discoveryUrl() + DiscoveryServer.PATH + "<thing>"));
        out.println("  Admin (HTTP)      " + (e.adminPort() < 0 ? "disabled" : e.adminUrl() + "/status"));
        out.println("  Certificates      " + e.certificates().directory().toAbsolutePath());
        out.println("    CA              " + e.certificates().caCertificateFile().toAbsolutePath());
        out.println("    server          " + e.certificates().serverCertificateFile().toAbsolutePath());
        for (String name : e.certificates().deviceNames()) {
            DeviceCredentials d = e.certificates().device(name).orElseThrow();
            out.println("    device " + name);
            out.println("      certificate   " + d.certificateFile().toAbsolutePath());
            out.println("      private key   " + d.privateKeyFile().toAbsolutePath());
        }
        out.println();
        out.println("Type 'help' for commands; Ctrl-C stops.");
        out.flush();
    }

    private static void console(Emulator e, CountDownLatch done) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty()) {
                    continue;
                }
                if ("quit".equals(line) || "exit".equals(line)) {
                    done.countDown();
                    return;
                }
                try {
                    System.out.println(execute(e, line));
                } catch (RuntimeException ex) {
                    System.out.println("error: " + ex.getMessage());
                }
            }
        } catch (java.io.IOException ex) {
            // standard input closed: keep serving
        }
    }

    /** Runs one console command and returns what to print. */
    public static String execute(Emulator e, String line) {
        String[] w = line.split("\\s+", 4);
        String cmd = w[0];
        switch (cmd) {
            case "help":
                return COMMANDS;
            case "status":
                return e.toString();
            case "clients":
                return e.connectedClients().toString();
            case "shadow":
                return e.shadow(thing(w, 1), shadowName(w, 1)).orElse("no such shadow");
            case "update":
            case "desired":
            case "reported": {
                String[] x = line.split("\\s+", 3);
                if (x.length < 3) {
                    throw new IllegalArgumentException(cmd + " <thing>[/<shadow>] <json>");
                }
                String t = thing(x, 1);
                String s = shadowName(x, 1);
                return "update".equals(cmd) ? e.updateShadow(t, s, x[2])
                        : "desired".equals(cmd) ? e.setDesired(t, s, x[2]) : e.setReported(t, s, x[2]);
            }
            case "delete-shadow":
                return e.deleteShadow(thing(w, 1), shadowName(w, 1)) ? "deleted" : "no such shadow";
            case "job": {
                if (w.length < 4) {
                    throw new IllegalArgumentException("job <jobId> <thing>[,<thing>...] <json>");
                }
                e.createJob(w[1], w[3], Arrays.asList(w[2].split(",")));
                return "created " + w[1];
            }
            case "cancel":
                return "canceled " + e.cancelJob(need(w, 1), w.length > 2 && "force".equals(w[2])) + " execution(s)";
            case "cancel-execution":
                return e.cancelJobExecution(need(w, 1), need(w, 2), w.length > 3 && "force".equals(w[3]))
                        ? "canceled" : "nothing to cancel";
            case "remove-execution":
                return e.removeJobExecution(need(w, 1), need(w, 2)) ? "removed" : "nothing to remove";
            case "jobs": {
                StringBuilder sb = new StringBuilder();
                for (JobExecution x : e.jobExecutions(need(w, 1))) {
                    sb.append(x.jobId()).append(' ').append(x.status()).append(" v").append(x.versionNumber())
                            .append(' ').append(x.statusDetails()).append('\n');
                }
                return sb.length() == 0 ? "no job executions" : sb.toString().trim();
            }
            case "check-timeouts":
                return e.checkTimeouts() + " execution(s) timed out";
            case "broker":
                if ("stop".equals(need(w, 1))) {
                    e.stopBroker();
                    return "broker stopped";
                }
                if ("start".equals(w[1])) {
                    e.startBroker();
                    return "broker started";
                }
                throw new IllegalArgumentException("broker stop | broker start");
            case "disconnect":
                return e.disconnectClient(need(w, 1)) ? "disconnected" : "not connected";
            case "discovery-fail":
                e.failDiscovery(Integer.parseInt(need(w, 1)), w.length > 2 ? Integer.parseInt(w[2]) : 1);
                return "ok";
            case "device": {
                DeviceCredentials d = e.issueDeviceCertificate(need(w, 1));
                return d.certificateFile().toAbsolutePath() + "\n" + d.privateKeyFile().toAbsolutePath();
            }
            default:
                throw new IllegalArgumentException("unknown command '" + cmd + "' (try help)");
        }
    }

    private static String need(String[] w, int i) {
        if (w.length <= i) {
            throw new IllegalArgumentException("missing argument (try help)");
        }
        return w[i];
    }

    private static String thing(String[] w, int i) {
        String s = need(w, i);
        int slash = s.indexOf('/');
        return slash < 0 ? s : s.substring(0, slash);
    }

    private static String shadowName(String[] w, int i) {
        String s = need(w, i);
        int slash = s.indexOf('/');
        return slash < 0 ? null : s.substring(slash + 1);
    }

    private static String arg(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int intArg(String[] args, int i, String option) {
        try {
            return Integer.parseInt(arg(args, i, option));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number");
        }
    }
}
