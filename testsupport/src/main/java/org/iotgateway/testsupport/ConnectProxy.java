package org.iotgateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP CONNECT proxy for tests, written against the RFC, independent of the code under test: counts the
 * requests and the tunnels it opened, records the targets, optionally requires Basic credentials (407 otherwise),
 * and can refuse every tunnel (403). Targets are connected as given (use 127.0.0.1 or localhost).
 */
public final class ConnectProxy implements AutoCloseable {

    /** How the proxy answers. */
    public enum Mode {
        OPEN, REFUSE, SILENT, NOT_HTTP
    }

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger tunnels = new AtomicInteger();
    /** The CONNECT targets (host:port) requested so far, in order. */
    public final List<String> targets = new CopyOnWriteArrayList<>();
    /** The request heads received so far (request line and headers), in order. */
    public final List<String> heads = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.OPEN;
    private volatile String requiredCredentials;

    public ConnectProxy() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, "test-connect-proxy");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public ConnectProxy mode(Mode m) {
        this.mode = m;
        return this;
    }

    /** Requires {@code Proxy-Authorization: Basic base64(user:password)}. */
    public ConnectProxy requireCredentials(String user, String password) {
        this.requiredCredentials = Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public int requests() {
        return requests.get();
    }

    public int tunnels() {
        return tunnels.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread t = new Thread(() -> handle(client), "test-connect-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                client.close();
                return;
            }
            requests.incrementAndGet();
            heads.add(head);
            String[] requestLine = head.split("\r\n", 2)[0].split(" ");
            if (mode == Mode.SILENT) {
                return; // never answers; the client must time out
            }
            if (mode == Mode.NOT_HTTP) {
                out.write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                client.close();
                return;
            }
            if (requestLine.length != 3 || !requestLine[0].equals("CONNECT")) {
                respond(out, "405 Method Not Allowed", "");
                client.close();
                return;
            }
            String target = requestLine[1];
            targets.add(target);
            if (requiredCredentials != null) {
                String auth = header(head, "proxy-authorization");
                if (auth == null || !auth.equals("Basic " + requiredCredentials)) {
                    respond(out, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"plant\"\r\n");
                    client.close();
                    return;
                }
            }
            if (mode == Mode.REFUSE) {
                respond(out, "403 Forbidden", "");
                client.close();
                return;
            }
            int colon = target.lastIndexOf(':');
            String host = target.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(target.substring(colon + 1));
            Socket upstream;
            try {
                upstream = new Socket(host, port);
            } catch (IOException e) {
                respond(out, "502 Bad Gateway", "");
                client.close();
                return;
            }
            sockets.add(upstream);
            tunnels.incrementAndGet();
            respond(out, "200 Connection established", "");
            pump(client, upstream);
            pump(upstream, client);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private static void respond(OutputStream out, String status, String headers) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return null;
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
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
                // one side closed
            } finally {
                closeQuietly(to);
                closeQuietly(from);
            }
        }, "test-connect-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Closes every open tunnel (the proxy keeps accepting new ones). */
    public void dropTunnels() {
        sockets.forEach(ConnectProxy::closeQuietly);
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
        server.close();
        dropTunnels();
    }
}
