package org.iotgateway.greengrass.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.discovery.DiscoveryConnectionException;
import org.iotgateway.api.discovery.DiscoveryException;
import org.iotgateway.api.discovery.DiscoveryRejectedException;
import org.iotgateway.api.discovery.DiscoveryResponseException;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.DiscoveryTimeoutException;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.tls.HttpProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The discovery client: one HTTP/1.1 {@code GET} per attempt over a fresh mutual-TLS connection from the shared
 * {@link org.iotgateway.tls.SafeSocketFactory}, a deadline per attempt that covers connecting, the handshake and
 * the whole answer (a watchdog closes the socket when it passes, so a server that trickles bytes cannot hold a
 * request), a bounded answer, and bounded retries with exponential backoff and jitter for 429.
 * <p>
 * Requests run on a small pool of the client's own threads (at most {@value #MAX_THREADS} at a time, more wait);
 * stages complete there. Thread-safe. {@link #reconfigure} takes effect for requests started afterwards.
 */
final class DiscoveryClient implements GreengrassDiscovery, AutoCloseable {

    static final String PATH = "/greengrass/discover/thing/";
    static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    static final int MAX_THREADS = 4;
    /** How much of an error answer's body is read for its message. */
    static final int MAX_ERROR_BODY = 8 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryClient.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Settings with the socket factory and proxy built from them; replaced as a whole. */
    private static final class Setup {
        final DiscoverySettings settings;
        final DeviceKey key;
        final SSLSocketFactory factory;
        final HttpProxy proxy;

        Setup(DiscoverySettings settings, DeviceKey key, SSLSocketFactory factory, HttpProxy proxy) {
            this.settings = settings;
            this.key = key;
            this.factory = factory;
            this.proxy = proxy;
        }
    }

    private final ThreadPoolExecutor requests;
    private final ScheduledThreadPoolExecutor timer;
    private final Set<CompletableFuture<DiscoveryResult>> pending = ConcurrentHashMap.newKeySet();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final String userAgent;
    private volatile Setup setup;
    private volatile boolean closed;

    /**
     * @param settings the settings
     * @param key      the device key loaded for the settings (see {@link TlsSetup#deviceKey})
     * @param factory  the TLS socket factory for the endpoint (see {@link TlsSetup#discovery})
     * @param proxy    the HTTP proxy to go through, or {@code null}
     * @param version  this bundle's version, for the User-Agent
     */
    DiscoveryClient(DiscoverySettings settings, DeviceKey key, SSLSocketFactory factory, HttpProxy proxy,
            String version) {
        this.setup = new Setup(settings, key, factory, proxy);
        this.userAgent = "iot-gateway-bundles/" + version;
        int n = INSTANCES.incrementAndGet();
        this.requests = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemon(r, "greengrass-discovery-" + n));
        this.requests.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "greengrass-discovery-timer-" + n));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Uses new settings for requests started from now on. */
    void reconfigure(DiscoverySettings settings, DeviceKey key, SSLSocketFactory factory, HttpProxy proxy) {
        this.setup = new Setup(settings, key, factory, proxy);
    }

    DiscoverySettings settings() {
        return setup.settings;
    }

    /**
     * @return the device key of the current configuration and its credentials (for checking cores and for the
     *         connection to a core)
     */
    DeviceKey deviceKey() {
        return setup.key;
    }

    @Override
    public String id() {
        return setup.settings.discoveryId;
    }

    @Override
    public CompletionStage<DiscoveryResult> discover(String thingName) {
        return start(thingName);
    }

    @Override
    public DiscoveryResult discoverAndWait(String thingName) {
        Setup s = setup;
        CompletableFuture<DiscoveryResult> f = start(thingName);
        // every attempt is bounded by the watchdog; the extra second only guards against a stuck executor
        Duration limit = s.settings.worstCase().plusSeconds(1);
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new DiscoveryException("Greengrass discovery of thing '" + thingName + "' failed: " + cause,
                    thingName, cause);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new DiscoveryTimeoutException(thingName, s.settings.address(), limit, "no result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DiscoveryException("interrupted while waiting for Greengrass discovery of thing '" + thingName
                    + "'", thingName, e);
        }
    }

    private CompletableFuture<DiscoveryResult> start(String thingName) {
        if (thingName == null || !THING_NAME.matcher(thingName).matches()) {
            throw new InvalidRequestException("thing name '" + thingName + "' is invalid: use 1 to 128 characters of "
                    + "letters, digits, ':', '_' and '-'");
        }
        if (closed) {
            throw closedException();
        }
        Setup s = setup;
        CompletableFuture<DiscoveryResult> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((r, t) -> pending.remove(result));
        submit(() -> attempt(s, thingName, 1, result), result);
        if (closed) {
            result.completeExceptionally(closedException());
        }
        return result;
    }

    private void submit(Runnable task, CompletableFuture<?> result) {
        try {
            requests.execute(task);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(closedException());
        }
    }

    private ConnectionClosedException closedException() {
        return new ConnectionClosedException("Greengrass discovery '" + setup.settings.discoveryId + "' was closed");
    }

    private void attempt(Setup s, String thing, int attempt, CompletableFuture<DiscoveryResult> result) {
        if (result.isDone()) {
            return;
        }
        if (closed) {
            result.completeExceptionally(closedException());
            return;
        }
        DiscoverySettings settings = s.settings;
        try {
            Http.Response r = exchange(s, thing);
            if (r.status / 100 == 2) {
                DiscoveryResult answer = DiscoveryParser.parse(thing, r.body, settings.address());
                LOG.debug("Greengrass discovery of thing '{}' at {}: {} group(s)", thing, settings.address(),
                        answer.groups().size());
                result.complete(answer);
                return;
            }
            String message = serviceMessage(r);
            if (r.status == 429 && attempt < settings.attempts) {
                long delay = backoff(settings, attempt, r.header("retry-after"));
                LOG.warn("Greengrass discovery of thing '{}' at {} throttled (429), attempt {} of {}; retrying in {} ms",
                        thing, settings.address(), attempt, settings.attempts, delay);
                try {
                    timer.schedule(() -> submit(() -> attempt(s, thing, attempt + 1, result), result), delay,
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    result.completeExceptionally(closedException());
                }
                return;
            }
            result.completeExceptionally(DiscoveryRejectedException.of(r.status, message, thing, settings.address(),
                    attempt));
        } catch (IoTException e) {
            result.completeExceptionally(e);
        } catch (RuntimeException e) {
            LOG.error("Greengrass discovery of thing '{}' failed unexpectedly", thing, e);
            result.completeExceptionally(new DiscoveryException("Greengrass discovery of thing '" + thing + "' at "
                    + settings.address() + " failed: " + e, thing, e));
        }
    }

    /**
     * One request on a new connection. The connection is a plain socket this method owns (to the endpoint, or a
     * tunnel through the proxy) with TLS layered over it; the watchdog closes that plain socket at the deadline,
     * which ends a blocked read at once (closing the TLS layer from another thread would wait for the reader).
     */
    private Http.Response exchange(Setup s, String thing) {
        DiscoverySettings settings = s.settings;
        String where = "Greengrass discovery of thing '" + thing + "' at " + settings.address();
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, settings.timeout.toMillis());
        AtomicBoolean expired = new AtomicBoolean();
        String[] stage = { s.proxy == null ? "connecting" : "connecting through the proxy" };
        Socket plain = new Socket();
        sockets.add(plain);
        ScheduledFuture<?> watchdog;
        try {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            watchdog = timer.schedule(() -> {
                expired.set(true);
                closeQuietly(plain);
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            sockets.remove(plain);
            throw closedException();
        }
        Socket socket = plain;
        try {
            if (s.proxy != null) {
                s.proxy.openTunnel(plain, settings.endpoint, settings.port, timeoutMillis);
            } else {
                InetSocketAddress address = new InetSocketAddress(settings.endpoint, settings.port);
                if (address.isUnresolved()) {
                    throw new UnknownHostException(settings.endpoint);
                }
                plain.connect(address, timeoutMillis);
            }
            plain.setSoTimeout(timeoutMillis);
            stage[0] = "TLS handshake";
            socket = s.factory.createSocket(plain, settings.endpoint, settings.port, true);
            socket.setSoTimeout(timeoutMillis);
            if (socket instanceof SSLSocket) {
                ((SSLSocket) socket).startHandshake();
            }
            stage[0] = "sending the request";
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Accept", "application/json");
            headers.put("User-Agent", userAgent);
            Http.writeGet(socket.getOutputStream(), hostHeader(settings), PATH + thing, headers);
            stage[0] = "waiting for the answer";
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Http.Response response = Http.read(in, settings.maxResponseBytes, MAX_ERROR_BODY);
            if (expired.get()) {
                throw new SocketTimeoutException("deadline passed");
            }
            return response;
        } catch (Http.ResponseException e) {
            if (expired.get()) {
                throw new DiscoveryTimeoutException(thing, settings.address(), settings.timeout, stage[0]);
            }
            throw new DiscoveryResponseException(problem(e.problem), where + ": " + e.getMessage(), thing, e);
        } catch (IOException e) {
            if (expired.get() || e instanceof SocketTimeoutException || e.getCause() instanceof SocketTimeoutException) {
                throw new DiscoveryTimeoutException(thing, settings.address(), settings.timeout, stage[0]);
            }
            throw new DiscoveryConnectionException(where + ": " + describe(e, stage[0]), thing, e);
        } finally {
            watchdog.cancel(false);
            closeQuietly(plain);
            if (socket != plain) {
                closeQuietly(socket);
            }
            sockets.remove(plain);
        }
    }

    private static DiscoveryResponseException.Problem problem(Http.Problem p) {
        switch (p) {
            case TRUNCATED:
                return DiscoveryResponseException.Problem.TRUNCATED;
            case TOO_LARGE:
                return DiscoveryResponseException.Problem.TOO_LARGE;
            default:
                return DiscoveryResponseException.Problem.MALFORMED_HTTP;
        }
    }

    private static String describe(IOException e, String stage) {
        if (e instanceof UnknownHostException) {
            return "cannot resolve host name " + e.getMessage();
        }
        if (e instanceof SSLException && stage.equals("TLS handshake")) {
            return "TLS handshake failed (is ca.file the CA of the endpoint's certificate, and the device certificate "
                    + "active?): " + e.getMessage();
        }
        return stage + " failed: " + e;
    }

    private static String hostHeader(DiscoverySettings s) {
        String host = s.endpoint.indexOf(':') >= 0 ? "[" + s.endpoint + "]" : s.endpoint;
        return s.port == DiscoverySettings.HTTPS_PORT ? host : host + ":" + s.port;
    }

    /** The service's message from an error answer: its JSON message field, or the text. */
    static String serviceMessage(Http.Response r) {
        if (r.body.length == 0) {
            return r.reason == null ? "" : Http.printable(r.reason);
        }
        String text = new String(r.body, StandardCharsets.UTF_8);
        try {
            JsonNode node = MAPPER.readTree(r.body);
            if (node != null && node.isObject()) {
                for (String key : new String[] { "errorMessage", "message", "Message", "error" }) {
                    JsonNode m = node.get(key);
                    if (m != null && m.isValueNode()) {
                        return Http.printable(m.asText().trim());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the text it is
        }
        return Http.printable(text.trim());
    }

    /**
     * @return the delay before attempt {@code attempt + 1}: {@code base * 2^(attempt-1)} capped at the maximum, with
     *         jitter in its upper half; at least a Retry-After given in seconds (capped at the maximum)
     */
    static long backoff(DiscoverySettings s, int attempt, String retryAfter) {
        long exponential = s.backoffBaseMillis;
        for (int i = 1; i < attempt && exponential < s.backoffMaxMillis; i++) {
            exponential *= 2;
        }
        exponential = Math.min(exponential, s.backoffMaxMillis);
        long delay = exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
        if (retryAfter != null && retryAfter.trim().matches("[0-9]{1,6}")) {
            long asked = Long.parseLong(retryAfter.trim()) * 1000;
            delay = Math.max(delay, Math.min(asked, s.backoffMaxMillis));
        }
        return delay;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException | RuntimeException e) {
            // closing anyway
        }
    }

    /** Fails every pending discovery and stops the threads. */
    @Override
    public void close() {
        closed = true;
        requests.shutdownNow();
        timer.shutdownNow();
        sockets.forEach(DiscoveryClient::closeQuietly);
        ConnectionClosedException e = closedException();
        for (CompletableFuture<DiscoveryResult> f : pending) {
            f.completeExceptionally(e);
        }
    }

    @Override
    public String toString() {
        return "GreengrassDiscovery[" + setup.settings + "]";
    }
}
