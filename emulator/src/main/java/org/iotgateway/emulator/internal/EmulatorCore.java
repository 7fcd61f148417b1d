package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.iotgateway.emulator.EmulatorControl;
import org.iotgateway.emulator.EmulatorException;
import org.iotgateway.emulator.JobExecution;
import org.iotgateway.emulator.KeyAlgorithm;
import org.iotgateway.emulator.ShadowRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the broker, the services, the discovery and admin endpoints; routes {@code $aws/} requests to
 * the services on per-thing stripes.
 */
public final class EmulatorCore {
    private static final Logger LOG = LoggerFactory.getLogger(EmulatorCore.class);
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(30);

    /** Everything the builder collects. */
    public record Settings(String host, int mqttPort, int tlsPort, int websocketPort, int discoveryPort, int adminPort,
            Path certificateDirectory, List<String> devices, KeyAlgorithm keyAlgorithm, List<String> serverNames,
            Path caCertificate, Path caPrivateKey, Path serverCertificate, Path serverPrivateKey,
            List<Path> trustedClientCas, Clock clock, Duration timeoutCheckInterval, int processingThreads,
            int maxMessageBytes, Duration requestLatency) {
    }

    /**
     * In-flight shadow requests (received, not yet answered) allowed per thing on one connection; the
     * service rejects more with 429.
     */
    public static final int MAX_IN_FLIGHT_SHADOW_REQUESTS = 10;

    private enum State {
        NEW, RUNNING, STOPPED
    }

    private final Settings settings;
    private final EmulatorControl control;
    private final boolean temporaryCertificates;
    private final Pki pki;
    private final Broker broker;
    private final DiscoveryServer discovery;
    private final ShadowService shadows;
    private final JobsService jobs;
    /** Job id to the things it targets. */
    private final Map<String, Set<String>> jobTargets = new ConcurrentHashMap<>();
    /** "thing/clientId" to the number of that connection's shadow requests for the thing not answered yet. */
    private final Map<String, Integer> inFlightShadowRequests = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService latency;
    private volatile StripedExecutor stripes;
    private ScheduledExecutorService sweeper;
    private AdminServer admin;
    private State state = State.NEW;

    public EmulatorCore(Settings settings, EmulatorControl control) {
        this.settings = settings;
        this.control = control;
        Path dir = settings.certificateDirectory();
        this.temporaryCertificates = dir == null;
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("iotgw-emulator-certs");
            } catch (IOException e) {
                throw new EmulatorException("cannot create a temporary certificate directory", e);
            }
        }
        this.pki = new Pki(new Pki.Settings(dir, settings.keyAlgorithm(), settings.serverNames(),
                settings.caCertificate(), settings.caPrivateKey(), settings.serverCertificate(),
                settings.serverPrivateKey(), settings.trustedClientCas()));
        this.broker = new Broker(settings.host(), settings.mqttPort(), settings.tlsPort(), settings.websocketPort(),
                settings.maxMessageBytes(), pki, this::route);
        this.discovery = new DiscoveryServer(settings.host(), settings.discoveryPort(), pki);
        this.shadows = new ShadowService(this::publish, settings.clock());
        this.jobs = new JobsService(this::publish, settings.clock());
    }

    // ------------------------------------------------------------------ lifecycle

    public synchronized void start() {
        if (state == State.RUNNING) {
            return;
        }
        if (state == State.STOPPED) {
            throw new IllegalStateException("an emulator starts once; build a new one");
        }
        long t0 = System.nanoTime();
        try {
            // a cold JVM spends most of the start loading classes: load the broker's and TLS's while
            // the certificates are prepared, then start the discovery endpoint next to the broker
            Thread warmUp = daemon("emulator-warmup", EmulatorCore::warmUp);
            pki.init(settings.devices());
            LOG.debug("certificates ready after {} ms", (System.nanoTime() - t0) / 1_000_000);
            stripes = new StripedExecutor(settings.processingThreads(), "emulator-worker");
            CompletableFuture<Void> discoveryStarted = new CompletableFuture<>();
            if (settings.discoveryPort() >= 0) {
                daemon("emulator-discovery-start", () -> {
                    try {
                        discovery.start();
                        discoveryStarted.complete(null);
                    } catch (Throwable t) {
                        discoveryStarted.completeExceptionally(t);
                    }
                });
            } else {
                discoveryStarted.complete(null);
            }
            try {
                broker.start();
                LOG.debug("broker started after {} ms", (System.nanoTime() - t0) / 1_000_000);
            } finally {
                awaitStart(discoveryStarted);
                warmUp.interrupt();
            }
            if (settings.adminPort() >= 0) {
                admin = new AdminServer(settings.host(), settings.adminPort(), control, this);
                admin.start();
            }
            if (!settings.requestLatency().isZero()) {
                latency = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "emulator-latency");
                    t.setDaemon(true);
                    return t;
                });
            }
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "emulator-timeouts");
                t.setDaemon(true);
                return t;
            });
            long every = settings.timeoutCheckInterval().toMillis();
            sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
            state = State.RUNNING;
        } catch (RuntimeException e) {
            state = State.RUNNING;
            stop();
            throw e;
        }
        LOG.info("Emulator started in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitStart(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new EmulatorException("start failed: " + e.getCause(), e.getCause());
        }
    }

    /** Loads the classes the broker and the TLS endpoints need (best effort, no side effects). */
    private static void warmUp() {
        try {
            for (String c : new String[] {"io.moquette.broker.Server", "io.moquette.broker.NewNettyAcceptor",
                "io.moquette.broker.PostOffice", "io.moquette.broker.SessionRegistry",
                "io.netty.channel.nio.NioEventLoopGroup", "io.netty.bootstrap.ServerBootstrap",
                "io.netty.handler.codec.mqtt.MqttDecoder", "io.netty.handler.codec.mqtt.MqttEncoder",
                "io.netty.handler.ssl.SslContextBuilder", "io.netty.handler.ssl.JdkSslServerContext",
                "io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler",
                "com.sun.net.httpserver.HttpsServer"}) {
                Class.forName(c, true, EmulatorCore.class.getClassLoader());
            }
            // JSSE's classes, without the JDK's default trust store (parsing it costs CPU, nothing uses it)
            javax.net.ssl.SSLContext.getInstance("TLS").init(new javax.net.ssl.KeyManager[0],
                    new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                        @Override
                        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                                throws java.security.cert.CertificateException {
                            throw new java.security.cert.CertificateException("warm-up only");
                        }

                        @Override
                        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
                                throws java.security.cert.CertificateException {
                            throw new java.security.cert.CertificateException("warm-up only");
                        }

                        @Override
                        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                            return new java.security.cert.X509Certificate[0];
                        }
                    }}, null);
        } catch (Throwable t) {
            LOG.trace("warm-up incomplete: {}", t.toString());
        }
    }

    public synchronized void stop() {
        if (state != State.RUNNING) {
            state = State.STOPPED;
            return;
        }
        state = State.STOPPED;
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (latency != null) {
            latency.shutdownNow();
        }
        if (admin != null) {
            admin.stop();
        }
        discovery.stop();
        broker.stop();
        if (stripes != null) {
            stripes.shutdown();
        }
        if (temporaryCertificates) {
            deleteRecursively(pki.directory());
        }
    }

    public synchronized boolean isRunning() {
        return state == State.RUNNING;
    }

    private synchronized void requireRunning() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("the emulator is not running");
        }
    }

    public synchronized void stopBroker() {
        requireRunning();
        broker.stop();
    }

    public synchronized void startBroker() {
        requireRunning();
        broker.start();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", p);
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot delete {}", dir);
        }
    }

    // ------------------------------------------------------------------ accessors

    public Pki pki() {
        return pki;
    }

    public Broker broker() {
        return broker;
    }

    public DiscoveryServer discovery() {
        return discovery;
    }

    public Clock clock() {
        return settings.clock();
    }

    public String connectHost() {
        String h = settings.host();
        return "0.0.0.0".equals(h) || "::".equals(h) ? "127.0.0.1" : h;
    }

    public int discoveryPort() {
        return settings.discoveryPort() < 0 ? -1 : discovery.port();
    }

    public int adminPort() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    public String describe() {
        return "Emulator[host=" + connectHost() + ", mqtt=" + broker.mqttPort() + ", tls=" + broker.tlsPort()
                + ", websocket=" + broker.websocketPort() + ", discovery=" + discoveryPort() + ", admin="
                + adminPort() + ", certificates=" + pki.directory() + "]";
    }

    // ------------------------------------------------------------------ request routing

    private void publish(String topic, byte[] payload) {
        broker.publish(topic, payload);
    }

    /**
     * Called on Moquette's interceptor thread: parses the topic, hands the work to the thing's
     * stripe. Unknown {@code $aws/} topics are logged and dropped, as the service drops them.
     */
    void route(String clientId, String topic, byte[] payload) {
        StripedExecutor s = stripes;
        if (s == null) {
            return;
        }
        String[] parts = topic.split("/", -1);
        if (parts.length < 5 || !"things".equals(parts[1])) {
            LOG.info("Dropped publish on {} from {}: the emulator does not implement this topic", topic, clientId);
            return;
        }
        String thing = parts[2];
        String service = parts[3];
        if ("shadow".equals(service)) {
            routeShadow(s, clientId, topic, parts, thing, payload);
        } else if ("jobs".equals(service)) {
            routeJobs(s, clientId, topic, parts, thing, payload);
        } else {
            LOG.info("Dropped publish on {} from {}: the emulator does not implement this topic", topic, clientId);
        }
    }

    private void routeShadow(StripedExecutor s, String clientId, String topic, String[] parts, String thing,
            byte[] payload) {
        String shadowName;
        String opName;
        if (parts.length == 5) {
            shadowName = null;
            opName = parts[4];
        } else if (parts.length == 7 && "name".equals(parts[4])) {
            shadowName = parts[5];
            opName = parts[6];
        } else {
            if (!isShadowReplyTopic(parts)) {
                LOG.warn("Dropped publish on {} from {}: not a Device Shadow request topic", topic, clientId);
            }
            return;
        }
        ShadowService.Op op = ShadowService.Op.of(opName);
        if (op == null) {
            LOG.warn("Dropped publish on {} from {}: not a Device Shadow request topic", topic, clientId);
            return;
        }
        String prefix = String.join("/", java.util.Arrays.copyOf(parts, parts.length - 1));
        if (!Names.isThingName(thing)) {
            s.execute(thing, () -> shadows.rejectInvalidName(prefix, opName, payload,
                    "Invalid thing name: must match [a-zA-Z0-9:_-]{1,128}"));
            return;
        }
        if (shadowName != null && !Names.isShadowName(shadowName)) {
            s.execute(thing, () -> shadows.rejectInvalidName(prefix, opName, payload,
                    "Invalid shadow name: must match [a-zA-Z0-9:_-]{1,64}"));
            return;
        }
        String key = thing + "/" + clientId; // thing names have no '/'
        if (inFlightShadowRequests.merge(key, 1, Integer::sum) > MAX_IN_FLIGHT_SHADOW_REQUESTS) {
            inFlightShadowRequests.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            LOG.debug("Throttled {} from {}: more than {} shadow requests in flight", topic, clientId,
                    MAX_IN_FLIGHT_SHADOW_REQUESTS);
            s.execute(thing, () -> shadows.rejectThrottled(prefix, opName, payload));
            return;
        }
        afterLatency(s, thing, () -> {
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable answered = () -> {
                if (done.compareAndSet(false, true)) {
                    inFlightShadowRequests.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                }
            };
            try {
                shadows.handle(thing, shadowName, op, payload, true, answered);
            } finally {
                answered.run();
            }
        });
    }

    /** Runs the request on the thing's stripe, after the simulated service latency if one is set. */
    private void afterLatency(StripedExecutor s, String thing, Runnable request) {
        ScheduledExecutorService l = latency;
        if (l == null) {
            s.execute(thing, request);
            return;
        }
        try {
            // one delay for all and a single scheduler thread: requests of one thing keep their order
            l.schedule(() -> s.execute(thing, request), settings.requestLatency().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Emulator stopping, dropped a request for {}", thing);
        }
    }

    private static boolean isShadowReplyTopic(String[] parts) {
        String last = parts[parts.length - 1];
        String op = parts[parts.length - 2];
        return ShadowService.Op.of(op) != null && ("accepted".equals(last) || "rejected".equals(last)
                || "delta".equals(last) || "documents".equals(last));
    }

    private void routeJobs(StripedExecutor s, String clientId, String topic, String[] parts, String thing,
            byte[] payload) {
        String[] rest = java.util.Arrays.copyOfRange(parts, 4, parts.length);
        String last = rest[rest.length - 1];
        if ("accepted".equals(last) || "rejected".equals(last)
                || (rest.length == 1 && ("notify".equals(last) || "notify-next".equals(last)))) {
            LOG.trace("Ignored jobs topic {}", topic);
            return;
        }
        if (!Names.isThingName(thing)) {
            s.execute(thing, () -> jobs.rejectInvalidThing(topic, payload,
                    "Invalid thing name: must match [a-zA-Z0-9:_-]{1,128}"));
            return;
        }
        afterLatency(s, thing, () -> jobs.handle(thing, rest, payload));
    }

    // ------------------------------------------------------------------ sweeper

    private void sweep() {
        try {
            StripedExecutor s = stripes;
            for (String thing : jobs.thingsWithTimers()) {
                s.execute(thing, () -> jobs.expireTimeouts(thing));
            }
        } catch (RuntimeException e) {
            LOG.warn("Timeout sweep failed", e);
        }
    }

    public int checkTimeouts() {
        requireRunning();
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        for (String thing : jobs.thingsWithTimers()) {
            all.add(stripes.submit(thing, () -> jobs.expireTimeouts(thing)));
        }
        int n = 0;
        for (CompletableFuture<Integer> f : all) {
            n += await(f);
        }
        return n;
    }

    // ------------------------------------------------------------------ control: shadows

    private <T> T onStripe(String thing, java.util.concurrent.Callable<T> call) {
        requireRunning();
        return await(stripes.submit(thing, call));
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(CONTROL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmulatorException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new EmulatorException(String.valueOf(c), c);
        } catch (TimeoutException e) {
            throw new EmulatorException("control operation timed out", e);
        }
    }

    public Optional<String> shadow(String thing, String shadowName) {
        Names.requireThingName(thing);
        Names.requireShadowName(shadowName);
        ShadowService.Result r = onStripe(thing,
                () -> shadows.handle(thing, shadowName, ShadowService.Op.GET, new byte[0], false));
        if (!r.accepted()) {
            return Optional.empty();
        }
        r.payload().remove("clientToken");
        return Optional.of(Json.text(r.payload()));
    }

    public String updateShadow(String thing, String shadowName, String document) {
        Names.requireThingName(thing);
        Names.requireShadowName(shadowName);
        byte[] payload = document.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ShadowService.Result r = onStripe(thing,
                () -> shadows.handle(thing, shadowName, ShadowService.Op.UPDATE, payload, true));
        if (!r.accepted()) {
            throw new ShadowRejectedException(r.code(), r.message());
        }
        return Json.text(r.payload());
    }

    public String setSection(String thing, String shadowName, String section, String json) {
        JsonNode value = Json.parseText(json, section);
        ObjectNode doc = Json.object();
        doc.putObject("state").set(section, value);
        return updateShadow(thing, shadowName, Json.text(doc));
    }

    public boolean deleteShadow(String thing, String shadowName) {
        Names.requireThingName(thing);
        Names.requireShadowName(shadowName);
        return onStripe(thing,
                () -> shadows.handle(thing, shadowName, ShadowService.Op.DELETE, new byte[0], true)).accepted();
    }

    public List<String> namedShadows(String thing) {
        Names.requireThingName(thing);
        return onStripe(thing, () -> shadows.shadowNames(thing));
    }

    // ------------------------------------------------------------------ control: jobs

    public void createJob(String jobId, String document, Collection<String> things) {
        Names.requireJobId(jobId);
        JsonNode doc = Json.parseText(document, "job document");
        if (!doc.isObject()) {
            throw new IllegalArgumentException("the job document must be a JSON object");
        }
        if (things.isEmpty()) {
            throw new IllegalArgumentException("a job needs at least one thing");
        }
        Set<String> targets = new LinkedHashSet<>();
        for (String t : things) {
            targets.add(Names.requireThingName(t));
        }
        requireRunning();
        if (jobTargets.putIfAbsent(jobId, targets) != null) {
            throw new IllegalStateException("job " + jobId + " exists");
        }
        for (String t : targets) {
            onStripe(t, () -> {
                jobs.addExecution(t, jobId, doc);
                return null;
            });
        }
    }

    public int cancelJob(String jobId, boolean force) {
        Set<String> targets = jobTargets.get(jobId);
        if (targets == null) {
            throw new IllegalArgumentException("unknown job " + jobId);
        }
        int n = 0;
        for (String t : targets) {
            boolean canceled = onStripe(t, () -> {
                JobExecution e = jobs.snapshot(t, jobId);
                if (e == null || e.isTerminal() || ("IN_PROGRESS".equals(e.status()) && !force)) {
                    return false;
                }
                return jobs.cancel(t, jobId, force);
            });
            n += canceled ? 1 : 0;
        }
        return n;
    }

    public boolean cancelJobExecution(String thing, String jobId, boolean force) {
        Names.requireThingName(thing);
        return onStripe(thing, () -> jobs.cancel(thing, jobId, force));
    }

    public boolean removeJobExecution(String thing, String jobId) {
        Names.requireThingName(thing);
        return onStripe(thing, () -> jobs.remove(thing, jobId));
    }

    public Optional<JobExecution> jobExecution(String thing, String jobId) {
        Names.requireThingName(thing);
        return Optional.ofNullable(onStripe(thing, () -> jobs.snapshot(thing, jobId)));
    }

    public List<JobExecution> jobExecutions(String thing) {
        Names.requireThingName(thing);
        return onStripe(thing, () -> jobs.snapshots(thing));
    }

    /** Job ids known to the emulator, in no particular order. */
    public Set<String> jobIds() {
        return Set.copyOf(jobTargets.keySet());
    }
}
