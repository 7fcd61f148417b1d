package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.iotgateway.emulator.Connectivity;
import org.iotgateway.emulator.DiscoveryCore;
import org.iotgateway.emulator.DiscoveryGroup;
import org.iotgateway.emulator.EmulatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Greengrass discovery endpoint: {@code GET /greengrass/discover/thing/{thing}} over mutual TLS.
 *
 * <p>The TLS layer requires a client certificate but accepts any; the handler then answers 401 unless
 * the certificate is one the emulator knows (issued by it or registered), so an unknown certificate
 * gets the service's 401 rather than a handshake failure. No client certificate: handshake failure.
 */
public final class DiscoveryServer {
    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryServer.class);
    public static final String PATH = "/greengrass/discover/thing/";

    private record Failure(int status, int remaining) {
    }

    private final String host;
    private final Pki pki;
    private final Map<String, List<DiscoveryGroup>> groups = new ConcurrentHashMap<>();
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private int port;
    private HttpsServer server;
    private ExecutorService executor;

    public DiscoveryServer(String host, int port, Pki pki) {
        this.host = host;
        this.port = port;
        this.pki = pki;
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[] {pki.serverKeyManager()}, new TrustManager[] {new AnyClientCertificate()},
                    new SecureRandom());
            HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 50);
            s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setNeedClientAuth(true);
                    params.setSSLParameters(p);
                }
            });
            s.createContext("/", this::handle);
            executor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "emulator-discovery");
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.start();
            port = s.getAddress().getPort();
            server = s;
            LOG.info("Greengrass discovery endpoint on https://{}:{}{}<thing>", host, port, PATH);
        } catch (IOException | GeneralSecurityException e) {
            throw new EmulatorException("cannot start the discovery endpoint on " + host + ":" + port + ": " + e, e);
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

    // ------------------------------------------------------------------ configuration

    public void setGroups(String thing, List<DiscoveryGroup> list) {
        if (list == null || list.isEmpty()) {
            groups.remove(thing);
        } else {
            groups.put(thing, new CopyOnWriteArrayList<>(list));
        }
    }

    public void addGroup(String thing, DiscoveryGroup group) {
        groups.computeIfAbsent(thing, t -> new CopyOnWriteArrayList<>()).add(group);
    }

    public List<DiscoveryGroup> groups(String thing) {
        List<DiscoveryGroup> g = groups.get(thing);
        return g == null ? List.of() : List.copyOf(g);
    }

    /** The next {@code times} requests are answered with {@code status} (times <= 0 clears). */
    public void injectFailure(int status, int times) {
        failure.set(times <= 0 ? null : new Failure(status, times));
    }

    // ------------------------------------------------------------------ request handling

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            InputStream in = ex.getRequestBody();
            in.readAllBytes();
            X509Certificate client = clientCertificate(ex);
            if (client == null || !pki.isKnownClient(client)) {
                send(ex, 401, error("Unauthorized: the client certificate is not known"));
                return;
            }
            Failure f = failure.getAndUpdate(x -> x == null ? null
                    : x.remaining() <= 1 ? null : new Failure(x.status(), x.remaining() - 1));
            if (f != null) {
                if (f.status() == 429) {
                    ex.getResponseHeaders().add("Retry-After", "1");
                    send(ex, 429, error("Too Many Requests"));
                } else {
                    send(ex, f.status(), error("Injected failure " + f.status()));
                }
                return;
            }
            String path = ex.getRequestURI().getPath();
            if (!path.startsWith(PATH)) {
                send(ex, 404, error("Not Found"));
                return;
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "GET");
                send(ex, 405, error("Method Not Allowed"));
                return;
            }
            String thing = path.substring(PATH.length());
            if (!Names.isThingName(thing)) {
                send(ex, 400, error("Bad Request: invalid thing name"));
                return;
            }
            List<DiscoveryGroup> list = groups.get(thing);
            if (list == null || list.isEmpty()) {
                send(ex, 404, error("Not Found: the thing " + thing + " is not associated with a Greengrass group"));
                return;
            }
            send(ex, 200, Json.bytes(render(list)));
        } catch (RuntimeException e) {
            LOG.error("Discovery request failed", e);
            try {
                send(ex, 500, error("Internal Server Error"));
            } catch (IOException | RuntimeException ignored) {
                // response already started
            }
        }
    }

    /** The PascalCase answer the service and the SDKs use. */
    static ObjectNode render(List<DiscoveryGroup> list) {
        ObjectNode root = Json.object();
        ArrayNode gg = root.putArray("GGGroups");
        for (DiscoveryGroup g : list) {
            ObjectNode gn = gg.addObject();
            gn.put("GGGroupId", g.groupId());
            ArrayNode cores = gn.putArray("Cores");
            for (DiscoveryCore c : g.cores()) {
                ObjectNode cn = cores.addObject();
                cn.put("thingArn", c.thingArn());
                ArrayNode conn = cn.putArray("Connectivity");
                for (Connectivity x : c.connectivity()) {
                    ObjectNode xn = conn.addObject();
                    xn.put("Id", x.id());
                    xn.put("HostAddress", x.hostAddress());
                    xn.put("PortNumber", x.portNumber());
                    xn.put("Metadata", x.metadata());
                }
            }
            ArrayNode cas = gn.putArray("CAs");
            g.caPems().forEach(cas::add);
        }
        return root;
    }

    private static X509Certificate clientCertificate(HttpExchange ex) {
        if (!(ex instanceof HttpsExchange https) || https.getSSLSession() == null) {
            return null;
        }
        try {
            Certificate[] chain = https.getSSLSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static byte[] error(String message) {
        ObjectNode n = Json.object();
        n.put("errorMessage", message);
        return Json.bytes(n);
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Requires a certificate chain but lets the handler decide (401) whether it is known. */
    private static final class AnyClientCertificate extends X509ExtendedTrustManager {
        private static void check(X509Certificate[] chain) throws java.security.cert.CertificateException {
            if (chain == null || chain.length == 0) {
                throw new java.security.cert.CertificateException("a client certificate is required");
            }
            chain[0].checkValidity();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("server side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("server side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("server side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
