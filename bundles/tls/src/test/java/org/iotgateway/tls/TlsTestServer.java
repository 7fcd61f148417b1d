package org.iotgateway.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.iotgateway.testsupport.TestPki;

/**
 * A TLS server on 127.0.0.1 built with plain JDK APIs (independent of the code under test): presents a TestPki
 * certificate, optionally requires client certificates, answers "hello" after the handshake and records per
 * connection what happened.
 */
final class TlsTestServer implements AutoCloseable {

    /** What the server saw of one connection: the client certificate subject and protocol, or the failure. */
    static final class Outcome {
        final String clientSubject;
        final String protocol;
        final Exception failure;

        Outcome(String clientSubject, String protocol, Exception failure) {
            this.clientSubject = clientSubject;
            this.protocol = protocol;
            this.failure = failure;
        }

        @Override
        public String toString() {
            return failure != null ? "failed: " + failure : "ok: " + clientSubject + " over " + protocol;
        }
    }

    private final SSLServerSocket serverSocket;
    private final BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    /**
     * @param server certificate and key to present
     * @param trustedClientCa CA for client certificates, or null for no client authentication
     * @param protocols enabled protocols
     */
    TlsTestServer(TestPki.Issued server, X509Certificate trustedClientCa, String... protocols) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", server.privateKey(), "pw".toCharArray(),
                server.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, "pw".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        if (trustedClientCa != null) {
            trust.setCertificateEntry("ca", trustedClientCa);
        }
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        serverSocket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
        serverSocket.setNeedClientAuth(trustedClientCa != null);
        if (protocols.length > 0) {
            serverSocket.setEnabledProtocols(protocols);
        }
        acceptor = new Thread(this::acceptLoop, "tls-test-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    /** @return what happened to the next connection, waiting up to 10 s */
    Outcome nextOutcome() throws InterruptedException {
        Outcome outcome = outcomes.poll(10, TimeUnit.SECONDS);
        if (outcome == null) {
            throw new AssertionError("the server saw no connection");
        }
        return outcome;
    }

    List<String> enabledProtocols() {
        return List.of(serverSocket.getEnabledProtocols());
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try (SSLSocket socket = (SSLSocket) serverSocket.accept()) {
                socket.setSoTimeout(10_000);
                try {
                    socket.startHandshake();
                    String subject = null;
                    if (socket.getNeedClientAuth()) {
                        subject = ((X509Certificate) socket.getSession().getPeerCertificates()[0])
                                .getSubjectX500Principal().getName();
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write("hello\n".getBytes());
                    out.flush();
                    outcomes.add(new Outcome(subject, socket.getSession().getProtocol(), null));
                    socket.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                    outcomes.add(new Outcome(null, null, e));
                }
            } catch (IOException e) {
                // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
    }
}
