package org.iotgateway.mqtt.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLSocket;

import org.iotgateway.tls.DelegatingSSLSocket;

/**
 * Turns a refused WebSocket upgrade into a clear error. Paho reads the server's answer to its upgrade request
 * without looking at the status; a 403 from AWS IoT (bad or expired signature, unknown credentials, a custom
 * authorizer saying no) surfaces as an obscure "Incorrect connection header". This socket decorator watches the
 * first line the server sends and, unless it is {@code 101 Switching Protocols}, fails the read with the status and
 * what to check.
 */
final class WebSocketUpgradeCheck {

    private static final int MAX_STATUS_LINE = 256;

    private WebSocketUpgradeCheck() {
    }

    /**
     * @param uri the URL without query, for the message
     * @param hint what to check when the upgrade is refused; asked when it happens
     * @return a socket decorator
     */
    static UnaryOperator<SSLSocket> decorator(String uri, Supplier<String> hint) {
        return socket -> new CheckedSocket(socket, uri, hint);
    }

    private static final class CheckedSocket extends DelegatingSSLSocket {
        private final SSLSocket socket;
        private final String uri;
        private final Supplier<String> hint;
        private InputStream in;

        CheckedSocket(SSLSocket socket, String uri, Supplier<String> hint) {
            this.socket = socket;
            this.uri = uri;
            this.hint = hint;
        }

        @Override
        protected SSLSocket delegate() {
            return socket;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new StatusLineCheck(socket.getInputStream(), uri, hint);
            }
            return in;
        }
    }

    /** Passes bytes through; fails when the first line is complete and is not a 101 status. */
    static final class StatusLineCheck extends FilterInputStream {
        private final String uri;
        private final Supplier<String> hint;
        private final StringBuilder line = new StringBuilder();
        private boolean done;

        StatusLineCheck(InputStream in, String uri, Supplier<String> hint) {
            super(in);
            this.uri = uri;
            this.hint = hint;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && !done) {
                inspect(new byte[] { (byte) b }, 0, 1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && !done) {
                inspect(b, off, n);
            }
            return n;
        }

        private void inspect(byte[] b, int off, int n) throws IOException {
            for (int i = off; i < off + n && !done; i++) {
                char c = (char) (b[i] & 0xff);
                if (c == '\n') {
                    done = true;
                    check(line.toString().trim());
                } else if (line.length() >= MAX_STATUS_LINE) {
                    done = true; // not HTTP; let the client library report it
                } else {
                    line.append(c);
                }
            }
        }

        private void check(String status) throws IOException {
            String[] parts = status.split(" ", 3);
            if (parts.length >= 2 && parts[0].startsWith("HTTP/") && parts[1].equals("101")) {
                return;
            }
            String printable = new String(status.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.US_ASCII)
                    .replaceAll("[^\\x20-\\x7e]", "?");
            if (printable.length() > 120) {
                printable = printable.substring(0, 120) + "...";
            }
            throw new IOException("the server refused the WebSocket upgrade of " + uri + ": '" + printable + "'; "
                    + hint.get());
        }
    }
}
