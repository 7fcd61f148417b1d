package org.iotgateway.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An {@link SSLSocketFactory} whose every socket is restricted to modern TLS and verifies the server's host name.
 *
 * <p>Each socket created, connected or not, gets: the enabled protocols (default TLSv1.3 and TLSv1.2; TLSv1.1,
 * TLSv1, SSLv3 are refused at configuration time), the cipher suites if configured (else the JDK defaults), and
 * endpoint identification "HTTPS" (host name verification per RFC 2818) unless explicitly disabled. Then the
 * {@linkplain Builder#socketDecorator(UnaryOperator) socket decorator} runs last, if any.
 *
 * <p>ALPN ({@link Builder#applicationProtocols(List)}): AWS IoT on port 443 needs application protocol
 * {@code x-amzn-mqtt-ca} (or {@code mqtt} for custom authorizers, {@code x-amzn-http-ca} for Greengrass discovery).
 * Client libraries may replace the socket's {@link SSLParameters} before the handshake, as Paho does, which drops
 * ALPN; so every socket is wrapped in an {@link AlpnSocket}, a delegating {@link SSLSocket} that re-applies the
 * protocols in {@code setSSLParameters} and {@code startHandshake}. The decorator seam
 * ({@link Builder#socketDecorator(UnaryOperator)}) runs after that, for other wrappers.
 *
 * <p>Proxy ({@link Builder#proxy(HttpProxy)}): sockets reach the server through an HTTP proxy's {@code CONNECT}
 * tunnel, TLS running end to end inside it. Unconnected sockets ({@link #createSocket()}, what Paho and
 * {@code HttpsURLConnection} use) tunnel when connected; the other {@code createSocket} variants tunnel at once,
 * except {@link #createSocket(Socket, String, int, boolean)}, which layers TLS over the connection it is given.
 *
 * <p>Immutable and thread-safe.
 */
public final class SafeSocketFactory extends SSLSocketFactory {

    /** The protocols allowed, and the default: TLS 1.3 and TLS 1.2. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final List<String> OBSOLETE_PROTOCOLS = List.of("TLSv1.1", "TLSv1", "SSLv3", "SSLv2",
            "SSLv2Hello");

    private final SSLSocketFactory delegate;
    private final String[] protocols;
    private final String[] cipherSuites;
    private final boolean hostnameVerification;
    private final UnaryOperator<SSLSocket> decorator;
    private final List<String> applicationProtocols;
    private final HttpProxy proxy;

    private SafeSocketFactory(Builder builder) {
        this.delegate = builder.context.getSocketFactory();
        this.protocols = builder.protocols.toArray(new String[0]);
        this.cipherSuites = builder.cipherSuites == null ? null : builder.cipherSuites.toArray(new String[0]);
        this.hostnameVerification = builder.hostnameVerification;
        this.decorator = builder.decorator;
        this.applicationProtocols = builder.applicationProtocols;
        this.proxy = builder.proxy;
    }

    /**
     * @param context an initialized context, for example from {@link TlsContexts}
     * @return a builder with the defaults: TLSv1.3 and TLSv1.2, JDK default cipher suites, host name verification
     */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /**
     * @param context an initialized context
     * @return a factory with the defaults
     */
    public static SafeSocketFactory of(SSLContext context) {
        return builder(context).build();
    }

    /** Configures a {@link SafeSocketFactory}; validates each setting when it is given. */
    public static final class Builder {
        private final SSLContext context;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> cipherSuites;
        private boolean hostnameVerification = true;
        private UnaryOperator<SSLSocket> decorator;
        private List<String> applicationProtocols = List.of();
        private HttpProxy proxy;

        private Builder(SSLContext context) {
            this.context = Objects.requireNonNull(context, "context");
        }

        /**
         * @param names the enabled protocols, in any order: "TLSv1.3" and/or "TLSv1.2" (case-insensitive)
         * @return this
         * @throws IllegalArgumentException for an empty list, an obsolete protocol (TLSv1.1, TLSv1, SSLv3), an
         *         unknown name, or a protocol the Java runtime does not support
         */
        public Builder protocols(List<String> names) {
            if (names == null || names.isEmpty()) {
                throw new IllegalArgumentException("at least one TLS protocol is needed (allowed: "
                        + String.join(", ", DEFAULT_PROTOCOLS) + ")");
            }
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
            List<String> canonical = new ArrayList<>();
            for (String name : names) {
                String trimmed = name == null ? "" : name.trim();
                String allowed = find(DEFAULT_PROTOCOLS, trimmed);
                if (allowed == null) {
                    String obsolete = find(OBSOLETE_PROTOCOLS, trimmed);
                    if (obsolete != null) {
                        throw new IllegalArgumentException("TLS protocol " + obsolete + " is not allowed: it is "
                                + "obsolete and insecure; use " + String.join(" and/or ", DEFAULT_PROTOCOLS));
                    }
                    throw new IllegalArgumentException("unknown TLS protocol \"" + trimmed + "\"; allowed: "
                            + String.join(", ", DEFAULT_PROTOCOLS));
                }
                if (!supported.contains(allowed)) {
                    throw new IllegalArgumentException("TLS protocol " + allowed + " is not supported by this Java "
                            + "runtime (supported: " + String.join(", ", supported) + ")");
                }
                if (!canonical.contains(allowed)) {
                    canonical.add(allowed);
                }
            }
            this.protocols = List.copyOf(canonical);
            return this;
        }

        /**
         * @param names the enabled protocols
         * @return this
         * @see #protocols(List)
         */
        public Builder protocols(String... names) {
            return protocols(Arrays.asList(names));
        }

        /**
         * @param names the enabled cipher suites (JDK/IANA names), or null or empty for the JDK defaults
         * @return this
         * @throws IllegalArgumentException for a suite the Java runtime does not support
         */
        public Builder cipherSuites(List<String> names) {
            if (names == null || names.isEmpty()) {
                this.cipherSuites = null;
                return this;
            }
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getCipherSuites());
            List<String> checked = new ArrayList<>();
            for (String name : names) {
                String trimmed = name == null ? "" : name.trim();
                if (!supported.contains(trimmed)) {
                    throw new IllegalArgumentException("cipher suite \"" + trimmed + "\" is not supported by this "
                            + "Java runtime");
                }
                checked.add(trimmed);
            }
            this.cipherSuites = List.copyOf(checked);
            return this;
        }

        /**
         * @param enabled whether to verify that the server certificate matches the host name connected to
         *        (default true); disable only for servers addressed by a name their certificate does not carry,
         *        the certificate chain is still verified
         * @return this
         */
        public Builder hostnameVerification(boolean enabled) {
            this.hostnameVerification = enabled;
            return this;
        }

        /**
         * @param socketDecorator runs last on every socket and may return a wrapping socket, or null for none
         * @return this
         */
        public Builder socketDecorator(UnaryOperator<SSLSocket> socketDecorator) {
            this.decorator = socketDecorator;
            return this;
        }

        /**
         * @param names ALPN protocol names to offer on every socket, in order of preference (for example
         *        {@code x-amzn-mqtt-ca}), or null or empty for no ALPN; kept through parameter resets by the
         *        client library (see {@link AlpnSocket})
         * @return this
         * @throws IllegalArgumentException for an empty name or one longer than 255 characters
         */
        public Builder applicationProtocols(List<String> names) {
            this.applicationProtocols = names == null || names.isEmpty() ? List.of() : AlpnSocket.checked(names);
            return this;
        }

        /**
         * @param httpProxy the HTTP proxy to tunnel through, or null to connect directly (default)
         * @return this
         */
        public Builder proxy(HttpProxy httpProxy) {
            this.proxy = httpProxy;
            return this;
        }

        /** @return the factory */
        public SafeSocketFactory build() {
            return new SafeSocketFactory(this);
        }

        private static String find(List<String> names, String name) {
            for (String candidate : names) {
                if (candidate.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    return candidate;
                }
            }
            return null;
        }
    }

    /** @return the enabled protocols of every socket */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /** @return the enabled cipher suites of every socket, or an empty list for the JDK defaults */
    public List<String> cipherSuites() {
        return cipherSuites == null ? List.of() : List.of(cipherSuites);
    }

    /** @return whether sockets verify the server host name */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    /** @return the ALPN protocols offered, empty for none */
    public List<String> applicationProtocols() {
        return applicationProtocols;
    }

    /** @return the HTTP proxy sockets tunnel through, or null */
    public HttpProxy proxy() {
        return proxy;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return cipherSuites != null ? cipherSuites.clone() : delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    /**
     * Creates an unconnected socket, as Paho does before {@code connect(address, timeout)}; with a proxy, connecting
     * it opens the tunnel.
     */
    @Override
    public Socket createSocket() throws IOException {
        SSLSocket socket = configure(delegate.createSocket());
        return proxy == null ? socket : new TunnelSslSocket(this, proxy, socket);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        if (proxy != null) {
            return layer(proxy.connect(host, port, 0), host, port);
        }
        return configure(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        if (proxy != null) {
            Socket plain = new Socket();
            try {
                plain.bind(new InetSocketAddress(localHost, localPort));
            } catch (IOException | RuntimeException e) {
                plain.close();
                throw e;
            }
            proxy.openTunnel(plain, host, port, 0);
            return layer(plain, host, port);
        }
        return configure(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        if (proxy != null) {
            return createSocket(new InetSocketAddress(host, port).getHostString(), port);
        }
        return configure(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        if (proxy != null) {
            return createSocket(new InetSocketAddress(address, port).getHostString(), port, localAddress, localPort);
        }
        return configure(delegate.createSocket(address, port, localAddress, localPort));
    }

    /** Layers TLS over an existing connection, for example a proxy tunnel; never goes through the proxy. */
    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return configure(delegate.createSocket(socket, host, port, autoClose));
    }

    /** Layers configured TLS over a tunnel (closing the tunnel with the TLS socket). */
    SSLSocket layer(Socket tunnel, String host, int port) throws IOException {
        try {
            return configure(delegate.createSocket(tunnel, host, port, true));
        } catch (IOException | RuntimeException e) {
            tunnel.close();
            throw e;
        }
    }

    private SSLSocket configure(Socket plain) throws IOException {
        if (!(plain instanceof SSLSocket)) {
            plain.close();
            throw new IOException("the SSL context created a non-TLS socket: " + plain.getClass().getName());
        }
        SSLSocket socket = (SSLSocket) plain;
        try {
            NoDelaySocketFactory.noDelay(socket);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(protocols.clone());
            if (cipherSuites != null) {
                parameters.setCipherSuites(cipherSuites.clone());
            }
            parameters.setEndpointIdentificationAlgorithm(hostnameVerification ? "HTTPS" : null);
            socket.setSSLParameters(parameters);
            SSLSocket result = applicationProtocols.isEmpty() ? socket : AlpnSocket.wrap(socket, applicationProtocols);
            return decorator == null ? result : Objects.requireNonNull(decorator.apply(result),
                    "socket decorator returned null");
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "SafeSocketFactory[protocols=" + String.join(",", protocols)
                + (cipherSuites == null ? "" : ", cipherSuites=" + String.join(",", cipherSuites))
                + ", hostnameVerification=" + hostnameVerification
                + (applicationProtocols.isEmpty() ? "" : ", alpn=" + String.join(",", applicationProtocols))
                + (proxy == null ? "" : ", via " + proxy) + (decorator == null ? "" : ", decorated") + "]";
    }
}
