package org.iotgateway.greengrass.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.iotgateway.testsupport.TestPki;

/**
 * A scripted HTTPS server on 127.0.0.1 built with plain JDK APIs: presents a TestPki certificate, optionally requires
 * a client certificate, selects ALPN {@code x-amzn-http-ca} when offered, records each request head and the
 * negotiated ALPN protocol, then lets a {@link Responder} write whatever bytes a test needs (or nothing at all).
 * Also serves as a TLS endpoint that only completes handshakes (for "core with the wrong CA").
 */
final class FakeHttpsServer implements AutoCloseable {

    /** Writes the raw response. */
    interface Responder {
        void respond(String requestHead, OutputStream out) throws Exception;
    }

    /** One request as the server saw it. */
    static final class Request {
        final String head;
        final String alpn;

        Request(String head, String alpn) {
            this.head = head;
            this.alpn = alpn;
        }
    }

    private final SSLServerSocket serverSocket;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final List<SSLSocket> open = new CopyOnWriteArrayList<>();
    private volatile Responder responder = (head, out) -> {
    };
    private volatile boolean readRequests = true;

    FakeHttpsServer(TestPki.Issued server, X509Certificate trustedClientCa) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", server.privateKey(), "pw".toCharArray(),
                server.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        TrustManagerFactory tmf = null;
        if (trustedClientCa != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trustedClientCa);
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        serverSocket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        serverSocket.setNeedClientAuth(trustedClientCa != null);
        Thread acceptor = new Thread(this::accept, "fake-https-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    FakeHttpsServer respond(Responder r) {
        this.responder = r;
        return this;
    }

    /** Only handshake, then close (a TLS endpoint that is not HTTP). */
    FakeHttpsServer handshakeOnly() {
        this.readRequests = false;
        return this;
    }

    /** Responds with status, headers and body, delimited by Content-Length. */
    FakeHttpsServer respond(int status, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return respond((head, out) -> {
            out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
        });
    }

    BlockingQueue<Request> requests() {
        return requests;
    }

    private void accept() {
        while (!serverSocket.isClosed()) {
            SSLSocket s;
            try {
                s = (SSLSocket) serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            open.add(s);
            Thread t = new Thread(() -> serve(s), "fake-https-connection");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            s.setHandshakeApplicationProtocolSelector(
                    (socket, offered) -> offered.contains("x-amzn-http-ca") ? "x-amzn-http-ca" : "");
            s.startHandshake();
            if (!readRequests) {
                return;
            }
            String head = readHead(s.getInputStream());
            requests.add(new Request(head, s.getApplicationProtocol()));
            OutputStream out = s.getOutputStream();
            responder.respond(head, out);
            out.flush();
        } catch (SocketException e) {
            // closed by the client or by close()
        } catch (Exception e) {
            // handshake refused by the client and the like: nothing to record
        } finally {
            open.remove(s);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last = (last << 8) | b;
            if (last == 0x0d0a0d0a) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (SSLSocket s : open) {
            s.close();
        }
    }
}
