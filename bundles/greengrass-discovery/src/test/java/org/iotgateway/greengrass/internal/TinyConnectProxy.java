package org.iotgateway.greengrass.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** An HTTP CONNECT proxy on 127.0.0.1 that records the request heads it tunnels. */
final class TinyConnectProxy implements AutoCloseable {

    private final ServerSocket server;
    private final BlockingQueue<String> heads = new LinkedBlockingQueue<>();

    TinyConnectProxy() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        Thread t = new Thread(this::accept, "tiny-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    BlockingQueue<String> heads() {
        return heads;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> tunnel(client), "tiny-proxy-tunnel");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void tunnel(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
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
            String text = head.toString(StandardCharsets.ISO_8859_1);
            heads.add(text);
            String[] target = text.split(" ")[1].split(":");
            try (Socket upstream = new Socket(target[0], Integer.parseInt(target[1]))) {
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                Thread up = new Thread(() -> pump(in, upstream), "tiny-proxy-up");
                up.setDaemon(true);
                up.start();
                pump(upstream.getInputStream(), client);
            }
        } catch (IOException | RuntimeException e) {
            // tunnel over
        }
    }

    private static void pump(InputStream from, Socket to) {
        try {
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = from.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
