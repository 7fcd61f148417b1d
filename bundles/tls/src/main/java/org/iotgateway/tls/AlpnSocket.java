package org.iotgateway.tls;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * An {@link SSLSocket} that keeps offering its ALPN protocols (RFC 7301) whatever a client library does to the
 * socket's parameters before the handshake.
 *
 * <p>Why: {@code SSLSocket.setSSLParameters} replaces the application protocols whenever the given parameters carry
 * a non-null list, and a fresh {@link SSLParameters} carries an empty one. Eclipse Paho calls
 * {@code setSSLParameters(new SSLParameters())} (for SNI, then for host name verification) right before
 * {@code startHandshake()}, which silently drops ALPN; AWS IoT Core then refuses MQTT on port 443. This wrapper
 * re-applies the protocols after every {@code setSSLParameters} that left none, and again right before the
 * handshake. Parameters that name protocols of their own are respected.
 */
public final class AlpnSocket extends DelegatingSSLSocket {

    private final SSLSocket socket;
    private final String[] protocols;

    private AlpnSocket(SSLSocket socket, List<String> protocols) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.protocols = protocols.toArray(new String[0]);
        applyIfMissing();
    }

    /**
     * @param socket a TLS socket before its handshake
     * @param protocols the ALPN protocol names to offer, in order of preference, for example
     *        {@code x-amzn-mqtt-ca}; at least one
     * @return the wrapping socket
     */
    public static AlpnSocket wrap(SSLSocket socket, List<String> protocols) {
        return new AlpnSocket(socket, checked(protocols));
    }

    /**
     * @param protocols the ALPN protocol names to offer; at least one
     * @return a {@linkplain SafeSocketFactory.Builder#socketDecorator(UnaryOperator) socket decorator} that wraps
     *         every socket
     */
    public static UnaryOperator<SSLSocket> decorator(List<String> protocols) {
        List<String> copy = checked(protocols);
        return socket -> new AlpnSocket(socket, copy);
    }

    static List<String> checked(List<String> protocols) {
        if (protocols == null || protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one ALPN protocol name is needed");
        }
        for (String p : protocols) {
            if (p == null || p.isEmpty() || p.length() > 255) {
                throw new IllegalArgumentException("invalid ALPN protocol name \"" + p + "\" (1 to 255 characters)");
            }
        }
        return List.copyOf(protocols);
    }

    /** @return the protocols offered */
    public List<String> protocols() {
        return List.of(protocols);
    }

    @Override
    protected SSLSocket delegate() {
        return socket;
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        socket.setSSLParameters(params);
        applyIfMissing();
    }

    @Override
    public void startHandshake() throws IOException {
        applyIfMissing();
        socket.startHandshake();
    }

    private void applyIfMissing() {
        SSLParameters current = socket.getSSLParameters();
        String[] offered = current.getApplicationProtocols();
        if (offered == null || offered.length == 0) {
            // a round trip through getSSLParameters keeps everything else as it is (SNI, identification, suites)
            current.setApplicationProtocols(protocols.clone());
            socket.setSSLParameters(current);
        }
    }
}
