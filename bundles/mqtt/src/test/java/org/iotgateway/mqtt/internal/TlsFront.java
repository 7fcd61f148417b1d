package org.iotgateway.mqtt.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.iotgateway.testsupport.TestPki;

/**
 * A TLS terminator in front of a plain broker listener, built with JDK APIs only, standing in for AWS IoT's 443
 * front end: it records what each client offered by ALPN, what was negotiated and the client certificate, refuses
 * connections without an accepted ALPN protocol when told to, and for WebSocket listeners can read the HTTP upgrade
 * request, record it and refuse it (e.g. when the SigV4 signature does not verify) before passing it on.
 */
final class TlsFront implements AutoCloseable {

    /** One accepted connection. */
    static final class Connection {
        final List<String> offered;
        final String negotiated;
        final String clientSubject;
        final String requestLine;

        Connection(List<String> offered, String negotiated, String clientSubject, String requestLine) {
            this.offered = offered;
            this.negotiated = negotiated;
            this.clientSubject = clientSubject;
            this.requestLine = requestLine;
        }

        @Override
        public String toString() {
            return "offered " + offered + ", negotiated " + negotiated + ", client " + clientSubject
                    + (requestLine == null ? "" : ", " + requestLine);
        }
    }

    private final SSLServerSocket serverSocket;
    private final int targetPort;
    private final List<String> acceptedAlpn;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<Connection> connections = new CopyOnWriteArrayList<>();
    /** Given the request head of a WebSocket upgrade, returns null to pass it on or a status to refuse with. */
    private volatile Function<String, String> httpGate;

    /**
     * @param server the certificate to present
     * @param clientCa the CA client certificates must chain to, or null for no client authentication
     * @param targetPort the plain listener behind
     * @param acceptedAlpn protocols accepted; when not empty, a client offering none of them is refused
     */
    TlsFront(TestPki.Issued server, X509Certificate clientCa, int targetPort, String... acceptedAlpn) throws Exception {
        this.targetPort = targetPort;
        this.acceptedAlpn = List.of(acceptedAlpn);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", server.privateKey(), "pw".toCharArray(), server.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, "pw".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        if (clientCa != null) {
            trust.setCertificateEntry("ca", clientCa);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        serverSocket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        serverSocket.setNeedClientAuth(clientCa != null);
        Thread t = new Thread(this::acceptLoop, "tls-front");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    /** Reads WebSocket upgrade requests and lets the gate decide; null: forward bytes unread. */
    TlsFront httpGate(Function<String, String> gate) {
        this.httpGate = gate;
        return this;
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) serverSocket.accept();
                sockets.add(client);
                Thread t = new Thread(() -> handle(client), "tls-front-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(SSLSocket client) {
        try {
            client.setSoTimeout(10_000);
            List<List<String>> offered = new ArrayList<>();
            client.setHandshakeApplicationProtocolSelector((s, protocols) -> {
                offered.add(List.copyOf(protocols));
                for (String p : protocols) {
                    if (acceptedAlpn.contains(p)) {
                        return p;
                    }
                }
                return acceptedAlpn.isEmpty() ? "" : null; // null: no_application_protocol alert
            });
            client.startHandshake();
            List<String> offer = offered.isEmpty() ? List.of() : offered.get(0);
            if (!acceptedAlpn.isEmpty() && offer.isEmpty()) {
                // like AWS IoT on 443: without ALPN the connection is not MQTT
                connections.add(new Connection(offer, null, null, null));
                client.close();
                return;
            }
            String subject = null;
            if (client.getNeedClientAuth()) {
                subject = ((X509Certificate) client.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                        .getName();
            }
            byte[] head = new byte[0];
            String requestLine = null;
            Function<String, String> gate = httpGate;
            if (gate != null) {
                head = readHead(client.getInputStream());
                String text = new String(head, StandardCharsets.ISO_8859_1);
                requestLine = text.split("\r\n", 2)[0];
                String refusal = gate.apply(text);
                connections.add(new Connection(offer, client.getApplicationProtocol(), subject, requestLine));
                if (refusal != null) {
                    client.getOutputStream().write(("HTTP/1.1 " + refusal + "\r\nContent-Length: 0\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    client.getOutputStream().flush();
                    client.close();
                    return;
                }
            } else {
                connections.add(new Connection(offer, client.getApplicationProtocol(), subject, null));
            }
            client.setSoTimeout(0);
            Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            sockets.add(upstream);
            upstream.getOutputStream().write(head);
            upstream.getOutputStream().flush();
            pump(client, upstream);
            pump(upstream, client);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] a = head.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return a;
            }
        }
        throw new IOException("closed before the end of the request head");
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a side closed
            } finally {
                closeQuietly(to);
                closeQuietly(from);
            }
        }, "tls-front-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Drops every open connection, as a broker restart or a network outage would. */
    void dropConnections() {
        sockets.forEach(TlsFront::closeQuietly);
        sockets.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        dropConnections();
    }
}
