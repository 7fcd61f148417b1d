package org.iotgateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds a free TCP port on the loopback interface. */
public final class FreePort {

    private FreePort() {
    }

    /**
     * Binds a server socket to port 0 on 127.0.0.1, closes it and returns the port the system chose. Another
     * process may take the port before the caller binds it; the window is small, and the port is not in TIME_WAIT
     * because nothing connected to it.
     *
     * @return a port that was free a moment ago
     */
    public static int find() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }
}
