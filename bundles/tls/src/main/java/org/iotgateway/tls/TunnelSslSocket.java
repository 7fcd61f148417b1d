package org.iotgateway.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

import javax.net.ssl.SSLSocket;

/**
 * An unconnected TLS socket whose {@code connect} goes through an {@link HttpProxy}: it connects a plain socket to
 * the proxy, asks for a tunnel to the address given, and layers TLS over the tunnel for the target host name (SNI
 * and host name verification use the target, not the proxy). Until then it stands in with an unconnected TLS socket
 * configured the same way, so settings made before {@code connect} are carried over.
 */
final class TunnelSslSocket extends DelegatingSSLSocket {

    private final SafeSocketFactory factory;
    private final HttpProxy proxy;
    private volatile SSLSocket current;
    private SocketAddress localBind;
    private boolean tunnelled;

    /**
     * @param factory layers and configures TLS over the tunnel
     * @param proxy the proxy
     * @param placeholder an unconnected, configured TLS socket from the same factory
     */
    TunnelSslSocket(SafeSocketFactory factory, HttpProxy proxy, SSLSocket placeholder) {
        this.factory = factory;
        this.proxy = proxy;
        this.current = placeholder;
    }

    @Override
    protected SSLSocket delegate() {
        return current;
    }

    @Override
    public synchronized void bind(SocketAddress bindpoint) throws IOException {
        if (tunnelled) {
            throw new IOException("already connected");
        }
        localBind = bindpoint;
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public synchronized void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (tunnelled) {
            throw new IOException("already connected");
        }
        SSLSocket placeholder = current;
        if (placeholder.isClosed()) {
            throw new IOException("socket is closed");
        }
        InetSocketAddress target = TunnelSocketFactory.target(endpoint);
        String host = target.getHostString();
        Socket plain = new Socket();
        if (localBind != null) {
            try {
                plain.bind(localBind);
            } catch (IOException | RuntimeException e) {
                plain.close();
                throw e;
            }
        }
        proxy.openTunnel(plain, host, target.getPort(), timeout);
        SSLSocket layered;
        try {
            layered = factory.layer(plain, host, target.getPort());
            layered.setSSLParameters(placeholder.getSSLParameters());
            layered.setUseClientMode(placeholder.getUseClientMode());
            layered.setSoTimeout(placeholder.getSoTimeout());
            layered.setTcpNoDelay(placeholder.getTcpNoDelay());
            layered.setKeepAlive(placeholder.getKeepAlive());
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
        current = layered;
        tunnelled = true;
        placeholder.close();
    }

    @Override
    public String toString() {
        return "TunnelSslSocket[" + proxy + ", " + current + "]";
    }
}
