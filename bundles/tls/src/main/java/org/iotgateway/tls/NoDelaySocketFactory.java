package org.iotgateway.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.Objects;

import javax.net.SocketFactory;

/**
 * Plain sockets with {@code TCP_NODELAY} set. MQTT sends small packets and waits for small
 * answers (PUBACK, SUBACK, request/response over shadow and jobs topics); with Nagle's algorithm
 * on, each answer can wait for the peer's delayed ACK, about 40 ms on Linux.
 */
public final class NoDelaySocketFactory extends SocketFactory {

    private final SocketFactory delegate;

    /** @param delegate the factory that creates the sockets */
    public NoDelaySocketFactory(SocketFactory delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return a factory of direct plain sockets with TCP_NODELAY */
    public static NoDelaySocketFactory direct() {
        return new NoDelaySocketFactory(SocketFactory.getDefault());
    }

    static <S extends Socket> S noDelay(S socket) throws SocketException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
        return noDelay(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return noDelay(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return noDelay(delegate.createSocket(address, port, localAddress, localPort));
    }
}
