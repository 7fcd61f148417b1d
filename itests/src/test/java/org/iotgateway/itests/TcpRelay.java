package org.iotgateway.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A second endpoint for the same broker: accepts TCP connections on a free port of 127.0.0.1 and relays
 * the bytes both ways to a target port. Counts the connections it accepted. Plain JDK, usable inside
 * the framework.
 */
final class TcpRelay implements AutoCloseable {

    private volatile ServerSocket server;
    private final int port;
    private final int targetPort;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    TcpRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.port = listen(0);
    }

    private int listen(int onPort) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        server = s;
        Thread t = new Thread(() -> acceptLoop(s), "itest-relay-accept");
        t.setDaemon(true);
        t.start();
        return s.getLocalPort();
    }

    int port() {
        return port;
    }

    /**
     * An outage as clients see a broker restart: the relayed connections are cut and the port refuses
     * connections until {@link #restore()}.
     */
    synchronized void interrupt() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(TcpRelay::closeQuietly);
        sockets.clear();
    }

    /** Ends an {@link #interrupt()}: accepts connections on the same port again. */
    synchronized void restore() throws IOException {
        if (!server.isClosed()) {
            return;
        }
        listen(port);
    }

    int acceptedConnections() {
        return accepted.get();
    }

    private void acceptLoop(ServerSocket server) {
        while (!closed && !server.isClosed()) {
            try {
                Socket in = server.accept();
                accepted.incrementAndGet();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                sockets.add(in);
                sockets.add(out);
                pipe(in, out);
                pipe(out, in);
            } catch (IOException e) {
                if (!closed && !server.isClosed()) {
                    System.err.println("relay: " + e);
                }
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "itest-relay-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        sockets.forEach(TcpRelay::closeQuietly);
    }
}
