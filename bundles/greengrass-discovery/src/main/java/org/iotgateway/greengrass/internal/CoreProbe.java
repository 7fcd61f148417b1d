package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Checks that a core is reachable and is the core of its group: a TCP connection and a complete TLS handshake, with
 * the device certificate, trusting only the group's CAs (and, if configured, checking the host name). Nothing is
 * sent over the connection; it is closed at once.
 */
interface CoreProbe {

    /**
     * @param host    the host
     * @param port    the port
     * @param factory TLS trusting the group's CAs, with the device certificate
     * @param timeout for connecting and the handshake together
     * @throws IOException when the core cannot be reached or the handshake fails (the message says why)
     */
    void check(String host, int port, SSLSocketFactory factory, Duration timeout) throws IOException;

    /** The probe used in production. */
    CoreProbe TLS = (host, port, factory, timeout) -> {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Socket socket = factory.createSocket()) {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                throw new UnknownHostException("cannot resolve " + host);
            }
            socket.connect(address, millis);
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            ((SSLSocket) socket).startHandshake();
        }
    };
}
