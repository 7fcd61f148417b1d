package org.iotgateway.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

import javax.net.SocketFactory;

/**
 * An HTTP proxy that opens TCP tunnels with {@code CONNECT} (RFC 9110 section 9.3.6), optionally with Basic
 * authentication (sent with the first request, as proxies in plants usually expect).
 *
 * <p>Use it through {@link SafeSocketFactory.Builder#proxy(HttpProxy)} for TLS, or {@link #socketFactory()} for
 * plain TCP: both return sockets whose {@code connect(address, timeout)} reaches the proxy and asks it for a tunnel
 * to {@code address}, which client libraries such as Eclipse Paho or {@code HttpsURLConnection} call without
 * knowing about the proxy. The target host name is passed to the proxy unresolved, so the gateway does not need DNS
 * for the outside world.
 *
 * <p>Immutable; {@link #toString()} and every error message leave the password out.
 */
public final class HttpProxy {

    /** How long the proxy may take to answer CONNECT when the caller gives no timeout. */
    static final int DEFAULT_RESPONSE_TIMEOUT_MILLIS = 30_000;
    /** Larger proxy response heads are not HTTP. */
    static final int MAX_RESPONSE_HEAD = 16 * 1024;

    private final String host;
    private final int port;
    private final String username;
    private final char[] password;
    private final String hostSetting;
    private final String usernameSetting;
    private final String passwordSetting;

    private HttpProxy(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.username = b.username;
        this.password = b.password;
        this.hostSetting = b.hostSetting;
        this.usernameSetting = b.usernameSetting;
        this.passwordSetting = b.passwordSetting;
    }

    /**
     * @param host proxy host name or address
     * @param port proxy port
     * @return a builder
     */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** Configures an {@link HttpProxy}. */
    public static final class Builder {
        private final String host;
        private final int port;
        private String username;
        private char[] password;
        private String hostSetting = "proxy.host";
        private String usernameSetting = "proxy.username";
        private String passwordSetting = "proxy.password";

        private Builder(String host, int port) {
            if (host == null || host.trim().isEmpty()) {
                throw new IllegalArgumentException("proxy host is empty");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("proxy port " + port + " is not a TCP port (1-65535)");
            }
            this.host = host.trim();
            this.port = port;
        }

        /**
         * @param user user name for Basic authentication, or null/empty for none
         * @param secret password (copied), or null
         * @return this
         */
        public Builder credentials(String user, char[] secret) {
            this.username = user == null || user.isEmpty() ? null : user;
            this.password = secret == null ? null : secret.clone();
            return this;
        }

        /**
         * @param hostSettingName the setting naming the proxy host and port, for messages
         * @param usernameSettingName the setting of the user name
         * @param passwordSettingName the setting of the password
         * @return this
         */
        public Builder settings(String hostSettingName, String usernameSettingName, String passwordSettingName) {
            this.hostSetting = hostSettingName;
            this.usernameSetting = usernameSettingName;
            this.passwordSetting = passwordSettingName;
            return this;
        }

        /** @return the proxy */
        public HttpProxy build() {
            if (username == null && password != null && password.length > 0) {
                throw new IllegalArgumentException("a proxy password without user name");
            }
            return new HttpProxy(this);
        }
    }

    /** @return the proxy host */
    public String host() {
        return host;
    }

    /** @return the proxy port */
    public int port() {
        return port;
    }

    /** @return the user name for Basic authentication, or null */
    public String username() {
        return username;
    }

    /** @return a plain socket factory whose sockets connect through this proxy */
    public SocketFactory socketFactory() {
        return new TunnelSocketFactory(this);
    }

    /**
     * Connects a new plain socket to the proxy and opens a tunnel to the target.
     *
     * @param targetHost the server's host name (or address), passed to the proxy as given
     * @param targetPort the server's port
     * @param timeoutMillis timeout for reaching the proxy and for its answer; 0 for the defaults
     * @return a socket connected to the target through the proxy
     * @throws ProxyTunnelException if the proxy cannot be reached or refuses
     * @throws IOException on other I/O errors
     */
    public Socket connect(String targetHost, int targetPort, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        openTunnel(socket, targetHost, targetPort, timeoutMillis);
        return socket;
    }

    /**
     * Connects an unconnected plain socket to the proxy and opens a tunnel to the target. The socket is closed if
     * that fails.
     *
     * @param socket an unconnected socket (possibly bound)
     * @param targetHost the server's host name (or address)
     * @param targetPort the server's port
     * @param timeoutMillis timeout for reaching the proxy and for its answer; 0 for the defaults
     * @throws ProxyTunnelException if the proxy cannot be reached or refuses
     * @throws IOException on other I/O errors
     */
    public void openTunnel(Socket socket, String targetHost, int targetPort, int timeoutMillis) throws IOException {
        openTunnel(socket, socket::connect, targetHost, targetPort, timeoutMillis);
    }

    /** Connects a socket to an address; lets a socket subclass connect itself through {@code super::connect}. */
    @FunctionalInterface
    interface Connector {
        void connect(SocketAddress address, int timeoutMillis) throws IOException;
    }

    void openTunnel(Socket socket, Connector connector, String targetHost, int targetPort, int timeoutMillis)
            throws IOException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(targetHost, "targetHost");
        String target = authority(targetHost, targetPort);
        try {
            try {
                InetSocketAddress address = new InetSocketAddress(host, port);
                if (address.isUnresolved()) {
                    throw new UnknownHostException(host);
                }
                connector.connect(address, Math.max(0, timeoutMillis));
            } catch (IOException e) {
                throw new ProxyTunnelException(ProxyTunnelException.Reason.UNREACHABLE, -1, hostSetting,
                        "cannot reach " + this + " for a tunnel to " + target + ": " + e, e);
            }
            int savedTimeout = socket.getSoTimeout();
            socket.setSoTimeout(timeoutMillis > 0 ? timeoutMillis : DEFAULT_RESPONSE_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(request(target));
            out.flush();
            String head;
            try {
                head = readHead(socket.getInputStream(), target);
            } catch (SocketTimeoutException e) {
                throw new ProxyTunnelException(ProxyTunnelException.Reason.BAD_RESPONSE, -1, hostSetting,
                        this + " did not answer CONNECT " + target + " within " + socket.getSoTimeout() + " ms", e);
            }
            check(head, target);
            socket.setSoTimeout(savedTimeout);
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private byte[] request(String target) {
        StringBuilder sb = new StringBuilder();
        sb.append("CONNECT ").append(target).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(target).append("\r\n");
        sb.append("User-Agent: iot-gateway-bundles\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] auth = username == null ? new byte[0] : authorization();
        byte[] end = "\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + auth.length + end.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(auth, 0, all, head.length, auth.length);
        System.arraycopy(end, 0, all, head.length + auth.length, end.length);
        Arrays.fill(auth, (byte) 0);
        return all;
    }

    /** @return the Proxy-Authorization header line (with CRLF), built without a String of the password */
    private byte[] authorization() {
        char[] pw = password == null ? new char[0] : password;
        CharBuffer chars = CharBuffer.allocate(username.length() + 1 + pw.length);
        chars.put(username).put(':').put(pw).flip();
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(chars);
        Arrays.fill(chars.array(), '\0');
        byte[] credentials = new byte[encoded.remaining()];
        encoded.get(credentials);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        byte[] base64 = Base64.getEncoder().encode(credentials);
        Arrays.fill(credentials, (byte) 0);
        byte[] prefix = "Proxy-Authorization: Basic ".getBytes(StandardCharsets.ISO_8859_1);
        byte[] line = new byte[prefix.length + base64.length + 2];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(base64, 0, line, prefix.length, base64.length);
        line[line.length - 2] = '\r';
        line[line.length - 1] = '\n';
        Arrays.fill(base64, (byte) 0);
        return line;
    }

    /** Reads the response head byte by byte, so that no byte of the tunnel is consumed. */
    private String readHead(InputStream in, String target) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        while (true) {
            int b = in.read();
            if (b < 0) {
                String sent = head.size() == 0 ? "" : " (it sent: '" + printable(firstLine(head.toString(
                        StandardCharsets.ISO_8859_1))) + "')";
                throw new ProxyTunnelException(ProxyTunnelException.Reason.BAD_RESPONSE, -1, hostSetting, this
                        + " closed the connection instead of answering CONNECT " + target + sent, null);
            }
            head.write(b);
            if (head.size() > MAX_RESPONSE_HEAD) {
                throw new ProxyTunnelException(ProxyTunnelException.Reason.BAD_RESPONSE, -1, hostSetting, this
                        + " sent more than " + MAX_RESPONSE_HEAD + " bytes without ending its answer to CONNECT "
                        + target + "; is it an HTTP proxy?", null);
            }
            if (b == '\n' && endsHead(head.toByteArray())) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** @return whether the bytes end with an empty line (CRLF CRLF, or LF LF from sloppy proxies) */
    private static boolean endsHead(byte[] a) {
        int n = a.length;
        return (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r')
                || (n >= 2 && a[n - 2] == '\n');
    }

    private void check(String head, String target) throws ProxyTunnelException {
        String statusLine = firstLine(head);
        String[] parts = statusLine.split(" ", 3);
        int status;
        try {
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new NumberFormatException();
            }
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new ProxyTunnelException(ProxyTunnelException.Reason.BAD_RESPONSE, -1, hostSetting, this
                    + " answered CONNECT " + target + " with something that is not HTTP: '" + printable(statusLine)
                    + "'; is " + hostSetting + " an HTTP proxy?", null);
        }
        if (status >= 200 && status < 300) {
            return;
        }
        String answer = status + (parts.length > 2 ? " " + printable(parts[2]) : "");
        if (status == 407) {
            String offered = header(head, "proxy-authenticate");
            String schemes = offered == null ? "" : ", offers " + printable(offered.split(" ", 2)[0]);
            if (username == null) {
                throw new ProxyTunnelException(ProxyTunnelException.Reason.AUTHENTICATION_REQUIRED, status,
                        usernameSetting, this + " requires authentication for CONNECT " + target + " (" + answer
                                + schemes + "): set " + usernameSetting + " and " + passwordSetting, null);
            }
            boolean basicOffered = offered == null || offered.toLowerCase(Locale.ROOT).startsWith("basic");
            throw new ProxyTunnelException(ProxyTunnelException.Reason.AUTHENTICATION_FAILED, status,
                    passwordSetting, this + " rejected the credentials for CONNECT " + target + " (" + answer + schemes
                            + "): check " + usernameSetting + " and " + passwordSetting
                            + (basicOffered ? "" : "; only Basic authentication is supported"), null);
        }
        throw new ProxyTunnelException(ProxyTunnelException.Reason.REFUSED, status, hostSetting, this
                + " refused to open a tunnel to " + target + " (" + answer + ")"
                + (status == 403 ? ": the proxy does not allow CONNECT to this host and port; ask for it to be "
                        + "allowed, or use another transport or port" : ""), null);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String firstLine(String head) {
        int end = head.indexOf('\n');
        String line = end < 0 ? head : head.substring(0, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** Keeps proxy-supplied text short and printable for messages. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
            if (sb.length() >= 120) {
                sb.append("...");
                break;
            }
        }
        return sb.toString();
    }

    static String authority(String host, int port) {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    @Override
    public String toString() {
        return "HTTP proxy " + authority(host, port) + (hostSetting == null ? "" : " (" + hostSetting + ")")
                + (username == null ? "" : " as user '" + username + "'");
    }
}
