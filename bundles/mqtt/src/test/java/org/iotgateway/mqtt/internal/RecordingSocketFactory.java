package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Wraps a connection's socket factory and records every socket it creates, so that a test can check the options of
 * the sockets Paho really connected (not just of a socket created for the check). TLS factories stay
 * {@link SSLSocketFactory}s, as Paho requires for its TLS and secure WebSocket transports.
 */
final class RecordingSocketFactory {

    private RecordingSocketFactory() {
    }

    static SocketFactory wrap(SocketFactory delegate, List<Socket> created) {
        return delegate instanceof SSLSocketFactory ssl ? new Tls(ssl, created) : new Plain(delegate, created);
    }

    private static <S extends Socket> S record(List<Socket> created, S socket) {
        created.add(socket);
        return socket;
    }

    private static final class Plain extends SocketFactory {
        private final SocketFactory delegate;
        private final List<Socket> created;

        Plain(SocketFactory delegate, List<Socket> created) {
            this.delegate = delegate;
            this.created = created;
        }

        @Override
        public Socket createSocket() throws IOException {
            return record(created, delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return record(created, delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return record(created, delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return record(created, delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return record(created, delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    private static final class Tls extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final List<Socket> created;

        Tls(SSLSocketFactory delegate, List<Socket> created) {
            this.delegate = delegate;
            this.created = created;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return record(created, delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return record(created, delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return record(created, delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return record(created, delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return record(created, delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return record(created, delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
