package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.iotgateway.emulator.ConnectedClient;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DeviceCredentials;
import org.iotgateway.emulator.DiscoveryCore;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.EmulatorControl;
import org.iotgateway.emulator.EmulatorException;
import org.iotgateway.emulator.JobExecution;
import org.iotgateway.emulator.ShadowRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP endpoint of the standalone emulator: the {@link EmulatorControl} operations as JSON
 * over plain HTTP (bound to the emulator's host, 127.0.0.1 by default). See the module README for the
 * routes.
 */
public final class AdminServer {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final String host;
    private int port;
    private final EmulatorControl control;
    private final EmulatorCore core;
    private HttpServer server;
    private ExecutorService executor;

    public AdminServer(String host, int port, EmulatorControl control, EmulatorCore core) {
        this.host = host;
        this.port = port;
        this.control = control;
        this.core = core;
    }

    public synchronized void start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 20);
            s.createContext("/", this::handle);
            executor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "emulator-admin");
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.start();
            port = s.getAddress().getPort();
            server = s;
        } catch (IOException e) {
            throw new EmulatorException("cannot start the admin endpoint on " + host + ":" + port + ": " + e, e);
        }
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    public synchronized int port() {
        return port;
    }

    private static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String[] p = path.replaceAll("^/+|/+$", "").split("/");
            try {
                Object result = dispatch(method, p, query, body);
                if (result instanceof Reply r) {
                    send(ex, r.status, r.body);
                } else {
                    send(ex, 200, (JsonNode) result);
                }
            } catch (HttpError e) {
                send(ex, e.status, error(e.getMessage()));
            } catch (ShadowRejectedException e) {
                ObjectNode n = error(e.getMessage());
                n.put("code", e.code());
                send(ex, e.code(), n);
            } catch (IllegalArgumentException e) {
                send(ex, 400, error(e.getMessage()));
            } catch (IllegalStateException e) {
                send(ex, 409, error(e.getMessage()));
            } catch (RuntimeException e) {
                LOG.warn("Admin request {} {} failed", method, path, e);
                send(ex, 500, error(String.valueOf(e)));
            }
        }
    }

    private record Reply(int status, JsonNode body) {
    }

    private Object dispatch(String method, String[] p, Map<String, String> q, byte[] body) {
        String root = p.length > 0 ? p[0] : "";
        switch (root) {
            case "":
            case "status":
                expect(method, "GET");
                return status();
            case "clients":
                if (p.length == 1) {
                    expect(method, "GET");
                    return clients();
                }
                if (p.length == 3 && "disconnect".equals(p[2])) {
                    expect(method, "POST");
                    return ok("disconnected", control.disconnectClient(p[1]));
                }
                break;
            case "broker":
                if (p.length == 2) {
                    expect(method, "POST");
                    if ("stop".equals(p[1])) {
                        control.stopBroker();
                        return ok("running", false);
                    }
                    if ("start".equals(p[1])) {
                        control.startBroker();
                        return ok("running", true);
                    }
                }
                break;
            case "shadows":
                return shadows(method, p, q, body);
            case "jobs":
                return jobs(method, p, q, body);
            case "things":
                if (p.length >= 3 && "jobs".equals(p[2])) {
                    return thingJobs(method, p, q);
                }
                break;
            case "timeouts":
                if (p.length == 2 && "check".equals(p[1])) {
                    expect(method, "POST");
                    return ok("timedOut", control.checkTimeouts());
                }
                break;
            case "discovery":
                return discovery(method, p, body);
            case "devices":
                if (p.length == 2) {
                    expect(method, "POST");
                    return device(control.issueDeviceCertificate(p[1]));
                }
                break;
            default:
                break;
        }
        throw new HttpError(404, "no such route: " + method + " /" + String.join("/", p));
    }

    // ------------------------------------------------------------------ routes

    private Object shadows(String method, String[] p, Map<String, String> q, byte[] body) {
        if (p.length < 2) {
            throw new HttpError(404, "use /shadows/{thing}[?name=shadow]");
        }
        String thing = p[1];
        String name = q.get("name");
        if (p.length == 2) {
            switch (method) {
                case "GET": {
                    Optional<String> doc = control.shadow(thing, name);
                    return doc.map(d -> (Object) Json.parseText(d, "shadow"))
                            .orElseThrow(() -> new HttpError(404, "No shadow exists with name: "
                                    + (name == null ? thing : name)));
                }
                case "POST":
                    return Json.parseText(control.updateShadow(thing, name, text(body)), "reply");
                case "DELETE":
                    if (!control.deleteShadow(thing, name)) {
                        throw new HttpError(404, "No shadow exists with name: " + (name == null ? thing : name));
                    }
                    return ok("deleted", true);
                default:
                    throw new HttpError(405, "GET, POST or DELETE");
            }
        }
        if (p.length == 3 && ("desired".equals(p[2]) || "reported".equals(p[2]))) {
            expect(method, "POST");
            String reply = "desired".equals(p[2]) ? control.setDesired(thing, name, text(body))
                    : control.setReported(thing, name, text(body));
            return Json.parseText(reply, "reply");
        }
        if (p.length == 3 && "names".equals(p[2])) {
            expect(method, "GET");
            ArrayNode a = Json.MAPPER.createArrayNode();
            control.namedShadows(thing).forEach(a::add);
            return a;
        }
        throw new HttpError(404, "no such shadow route");
    }

    private Object jobs(String method, String[] p, Map<String, String> q, byte[] body) {
        if (p.length == 1) {
            if ("GET".equals(method)) {
                ArrayNode a = Json.MAPPER.createArrayNode();
                core.jobIds().stream().sorted().forEach(a::add);
                return a;
            }
            expect(method, "POST");
            JsonNode req = Json.parseText(text(body), "request");
            String jobId = req.path("jobId").asText(null);
            JsonNode doc = req.get("document");
            JsonNode things = req.get("things");
            if (jobId == null || doc == null || things == null || !things.isArray()) {
                throw new IllegalArgumentException("expected {\"jobId\":\"...\",\"document\":{...},\"things\":[...]}");
            }
            List<String> names = new ArrayList<>();
            things.forEach(t -> names.add(t.asText()));
            control.createJob(jobId, Json.text(doc), names);
            return new Reply(201, ok("created", jobId));
        }
        if (p.length == 3 && "cancel".equals(p[2])) {
            expect(method, "POST");
            return ok("canceled", control.cancelJob(p[1], Boolean.parseBoolean(q.get("force"))));
        }
        throw new HttpError(404, "no such jobs route");
    }

    private Object thingJobs(String method, String[] p, Map<String, String> q) {
        String thing = p[1];
        if (p.length == 3) {
            expect(method, "GET");
            ArrayNode a = Json.MAPPER.createArrayNode();
            control.jobExecutions(thing).forEach(e -> a.add(execution(e)));
            return a;
        }
        String jobId = p[3];
        if (p.length == 4) {
            expect(method, "GET");
            return control.jobExecution(thing, jobId).map(e -> (Object) execution(e))
                    .orElseThrow(() -> new HttpError(404, "no execution of " + jobId + " on " + thing));
        }
        if (p.length == 5 && "cancel".equals(p[4])) {
            expect(method, "POST");
            return ok("canceled", control.cancelJobExecution(thing, jobId, Boolean.parseBoolean(q.get("force"))));
        }
        if (p.length == 5 && "remove".equals(p[4])) {
            expect(method, "POST");
            return ok("removed", control.removeJobExecution(thing, jobId));
        }
        throw new HttpError(404, "no such job execution route");
    }

    private Object discovery(String method, String[] p, byte[] body) {
        if (p.length == 2 && "fail".equals(p[1])) {
            expect(method, "POST");
            JsonNode req = Json.parseText(text(body), "request");
            control.failDiscovery(req.path("status").asInt(500), req.path("times").asInt(1));
            return ok("injected", true);
        }
        if (p.length == 2) {
            String thing = p[1];
            if ("GET".equals(method)) {
                return DiscoveryServer.render(core.discovery().groups(thing));
            }
            if ("PUT".equals(method) || "POST".equals(method)) {
                List<DiscoveryGroup> groups = parseGroups(Json.parseText(text(body), "discovery document"));
                if ("PUT".equals(method)) {
                    control.setDiscoveryGroups(thing, groups);
                } else {
                    groups.forEach(g -> control.addDiscoveryGroup(thing, g));
                }
                return DiscoveryServer.render(core.discovery().groups(thing));
            }
            if ("DELETE".equals(method)) {
                control.setDiscoveryGroups(thing, List.of());
                return ok("deleted", true);
            }
        }
        throw new HttpError(404, "no such discovery route");
    }

    /** Reads the PascalCase discovery format ({"GGGroups":[...]}). */
    static List<DiscoveryGroup> parseGroups(JsonNode root) {
        JsonNode groups = root.get("GGGroups");
        if (groups == null || !groups.isArray()) {
            throw new IllegalArgumentException("expected {\"GGGroups\":[...]}");
        }
        List<DiscoveryGroup> out = new ArrayList<>();
        for (JsonNode g : groups) {
            List<DiscoveryCore> cores = new ArrayList<>();
            for (JsonNode c : g.path("Cores")) {
                List<Connectivity> conn = new ArrayList<>();
                for (JsonNode x : c.path("Connectivity")) {
                    conn.add(new Connectivity(x.path("Id").asText(), x.path("HostAddress").asText(),
                            x.path("PortNumber").asInt(), x.path("Metadata").asText("")));
                }
                cores.add(new DiscoveryCore(c.path("thingArn").asText(), conn));
            }
            List<String> cas = new ArrayList<>();
            g.path("CAs").forEach(ca -> cas.add(ca.asText()));
            String id = g.path("GGGroupId").asText(null);
            if (id == null) {
                throw new IllegalArgumentException("GGGroupId is required");
            }
            out.add(new DiscoveryGroup(id, cores, cas));
        }
        return out;
    }

    // ------------------------------------------------------------------ views

    public ObjectNode status() {
        ObjectNode n = Json.object();
        n.put("host", core.connectHost());
        ObjectNode ports = n.putObject("ports");
        ports.put("mqtt", core.broker().mqttPort());
        ports.put("tls", core.broker().tlsPort());
        ports.put("websocket", core.broker().websocketPort());
        ports.put("discovery", core.discoveryPort());
        ports.put("admin", core.adminPort());
        n.put("brokerRunning", core.broker().isRunning());
        ObjectNode certs = n.putObject("certificates");
        certs.put("directory", core.pki().directory().toAbsolutePath().toString());
        certs.put("ca", core.pki().caCertificateFile().toAbsolutePath().toString());
        certs.put("server", core.pki().serverCertificateFile().toAbsolutePath().toString());
        ObjectNode devices = certs.putObject("devices");
        for (String d : core.pki().deviceNames()) {
            core.pki().device(d).ifPresent(c -> devices.set(d, device(c)));
        }
        n.set("clients", clients());
        return n;
    }

    private ArrayNode clients() {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (ConnectedClient c : control.connectedClients()) {
            ObjectNode o = a.addObject();
            o.put("clientId", c.clientId());
            o.put("address", c.address());
            o.put("port", c.port());
        }
        return a;
    }

    private static ObjectNode device(DeviceCredentials c) {
        ObjectNode o = Json.object();
        o.put("name", c.name());
        o.put("certificate", c.certificateFile() == null ? null : c.certificateFile().toAbsolutePath().toString());
        o.put("privateKey", c.privateKeyFile() == null ? null : c.privateKeyFile().toAbsolutePath().toString());
        return o;
    }

    private static ObjectNode execution(JobExecution e) {
        ObjectNode o = Json.object();
        o.put("jobId", e.jobId());
        o.put("thingName", e.thingName());
        o.put("status", e.status());
        ObjectNode d = o.putObject("statusDetails");
        e.statusDetails().forEach(d::put);
        o.set("jobDocument", Json.parseText(e.jobDocument(), "document"));
        o.put("queuedAt", e.queuedAt());
        if (e.startedAt() != null) {
            o.put("startedAt", e.startedAt());
        }
        o.put("lastUpdatedAt", e.lastUpdatedAt());
        o.put("versionNumber", e.versionNumber());
        o.put("executionNumber", e.executionNumber());
        return o;
    }

    // ------------------------------------------------------------------ helpers

    private static void expect(String method, String wanted) {
        if (!wanted.equals(method)) {
            throw new HttpError(405, "use " + wanted);
        }
    }

    private static ObjectNode ok(String field, Object value) {
        ObjectNode n = Json.object();
        n.set(field, Json.MAPPER.valueToTree(value));
        return n;
    }

    private static ObjectNode error(String message) {
        ObjectNode n = Json.object();
        n.put("error", message);
        return n;
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "true" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            m.put(k, v);
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = (Json.pretty(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
