package org.iotgateway.tls;

import java.io.IOException;
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

import org.iotgateway.testsupport.TestPki;

/**
 * A TLS server with plain JDK APIs that records, per connection, the ALPN protocols the client offered and the one
 * negotiated; it selects the first offered protocol it accepts (none: no ALPN in the answer), then writes "hello".
 */
final class AlpnServer implements AutoCloseable {

    /** What one connection offered and negotiated. */
    static final class Seen {
        final List<String> offered;
        final String negotiated;
        final Exception failure;

        Seen(List<String> offered, String negotiated, Exception failure) {
            this.offered = offered;
            this.negotiated = negotiated;
            this.failure = failure;
        }

        @Override
        public String toString() {
            return "offered " + offered + ", negotiated " + negotiated + (failure == null ? "" : ", failed " + failure);
        }
    }

    private final SSLServerSocket serverSocket;
    private final List<String> accepted;
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    AlpnServer(TestPki.Issued server, String... acceptedProtocols) throws Exception {
        this.accepted = List.of(acceptedProtocols);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", server.privateKey(), "pw".toCharArray(),
                server.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        serverSocket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
        Thread t = new Thread(this::acceptLoop, "alpn-test-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    Seen next() throws InterruptedException {
        Seen s = seen.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("the ALPN server saw no connection");
        }
        return s;
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            try (SSLSocket socket = (SSLSocket) serverSocket.accept()) {
                socket.setSoTimeout(10_000);
                List<List<String>> offered = new java.util.ArrayList<>();
                socket.setHandshakeApplicationProtocolSelector((s, protocols) -> {
                    offered.add(List.copyOf(protocols));
                    for (String p : protocols) {
                        if (accepted.contains(p)) {
                            return p;
                        }
                    }
                    return ""; // no ALPN in the answer
                });
                try {
                    socket.startHandshake();
                    socket.getOutputStream().write("hello\n".getBytes());
                    socket.getOutputStream().flush();
                    seen.add(new Seen(offered.isEmpty() ? List.of() : offered.get(0), socket.getApplicationProtocol(),
                            null));
                    socket.getInputStream().read();
                } catch (IOException e) {
                    seen.add(new Seen(offered.isEmpty() ? List.of() : offered.get(0), null, e));
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
