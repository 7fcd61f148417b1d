package org.iotgateway.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

import javax.net.SocketFactory;

/**
 * Plain sockets through an {@link HttpProxy}: {@link #createSocket()} returns an unconnected socket whose
 * {@code connect} reaches the proxy and opens a tunnel to the address given, which is what Eclipse Paho does for
 * {@code tcp://} and {@code ws://}. The other methods connect at once.
 */
final class TunnelSocketFactory extends SocketFactory {

    private final HttpProxy proxy;

    TunnelSocketFactory(HttpProxy proxy) {
        this.proxy = proxy;
    }

    @Override
    public Socket createSocket() {
        return new TunnelSocket(proxy);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return proxy.connect(host, port, 0);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(localHost, localPort));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        proxy.openTunnel(socket, host, port, 0);
        return socket;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return proxy.connect(new InetSocketAddress(host, port).getHostString(), port, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return createSocket(new InetSocketAddress(address, port).getHostString(), port, localAddress, localPort);
    }

    @Override
    public String toString() {
        return "TunnelSocketFactory[" + proxy + "]";
    }

    /** A plain socket that, on connect, connects to the proxy and asks for a tunnel to the given address. */
    static final class TunnelSocket extends Socket {
        private final HttpProxy proxy;

        TunnelSocket(HttpProxy proxy) {
            this.proxy = proxy;
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            InetSocketAddress target = target(endpoint);
            proxy.openTunnel(this, super::connect, target.getHostString(), target.getPort(), timeout);
        }

        @Override
        public String toString() {
            return "TunnelSocket[" + proxy + ", " + super.toString() + "]";
        }
    }

    static InetSocketAddress target(SocketAddress endpoint) {
        if (!(endpoint instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("unsupported address type " + (endpoint == null ? "null"
                    : endpoint.getClass().getName()));
        }
        return (InetSocketAddress) endpoint;
    }
}
