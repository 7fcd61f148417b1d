package org.iotgateway.mqtt.internal;

import java.util.function.Supplier;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.iotgateway.tls.HttpProxy;
import org.iotgateway.tls.KeyStores;
import org.iotgateway.tls.NoDelaySocketFactory;
import org.iotgateway.tls.Pkcs11Keys;
import org.iotgateway.tls.SafeSocketFactory;
import org.iotgateway.tls.TlsContexts;
import org.iotgateway.tls.TlsMaterialException;

/**
 * Builds the socket factory of a connection's transport from its settings: TLS material (PEM files or a keystore),
 * TLS versions and cipher suites, ALPN for the 443 transports, the HTTP proxy tunnel, and the check that reports a
 * refused WebSocket upgrade clearly.
 */
final class TlsSetup {

    static final KeyStores.Settings KEYSTORE_SETTINGS = new KeyStores.Settings("keystore.file", "keystore.password",
            "keystore.alias");

    private TlsSetup() {
    }

    /**
     * @param s the settings
     * @return a TLS 1.2+ socket factory with hostname verification as configured; for plain TCP a plain factory
     *         (tunnelling through the proxy if one is set); sockets always have TCP_NODELAY
     * @throws InvalidConfigurationException naming the setting and file when TLS material or options cannot be used
     */
    static SocketFactory socketFactory(ConnectionSettings s) {
        return socketFactory(s, null);
    }

    /**
     * @param s        the settings
     * @param provided the context from the TLS context provider selected by {@code tls.provider.target}, or null to
     *                 build it from the files of the settings
     * @return the socket factory, see {@link #socketFactory(ConnectionSettings)}; the provided context gets the same
     *         TLS versions, cipher suites, host name verification, ALPN and proxy handling as one built from files
     * @throws InvalidConfigurationException naming the setting and file when TLS material or options cannot be used
     */
    static SocketFactory socketFactory(ConnectionSettings s, SSLContext provided) {
        return socketFactory(s, provided, s);
    }

    /**
     * @param s        the settings
     * @param provided see {@link #socketFactory(ConnectionSettings, SSLContext)}
     * @param owner    who uses a PKCS#11 token of the settings until {@link Pkcs11Keys#release(Object)} (one per
     *                 configuration)
     * @return the socket factory, see {@link #socketFactory(ConnectionSettings)}
     */
    static SocketFactory socketFactory(ConnectionSettings s, SSLContext provided, Object owner) {
        HttpProxy proxy = proxy(s);
        if (!s.transport.tls()) {
            return proxy == null ? NoDelaySocketFactory.direct() : new NoDelaySocketFactory(proxy.socketFactory());
        }
        SSLContext context;
        if (provided != null) {
            context = provided;
        } else if (!s.tlsProviderTarget.isEmpty()) {
            throw new InvalidConfigurationException("tls.provider.target", "no TLS context provider matches "
                    + s.tlsProviderTarget);
        } else {
            context = fromFiles(s, owner);
        }
        SafeSocketFactory.Builder f = SafeSocketFactory.builder(context).hostnameVerification(s.hostnameVerification);
        try {
            f.protocols(s.tlsProtocols);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("tls.protocols", e.getMessage());
        }
        try {
            f.cipherSuites(s.tlsCipherSuites);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("tls.cipher.suites", e.getMessage());
        }
        f.applicationProtocols(s.transport.alpn);
        f.proxy(proxy);
        if (s.transport.websocket) {
            f.socketDecorator(WebSocketUpgradeCheck.decorator(s.serverUri(), upgradeHint(s)));
        }
        return f.build();
    }

    private static SSLContext fromFiles(ConnectionSettings s, Object owner) {
        Pkcs11Keys.Request request = null;
        try {
            TlsContexts.Builder b = TlsContexts.builder();
            if (s.caFile != null) {
                b.trustedCertificates(s.caFile, "ca.file");
            }
            if (s.pkcs11Library != null) {
                char[] pin = s.pkcs11Pin.toCharArray();
                request = new Pkcs11Keys.Request(s.pkcs11Library, s.pkcs11Slot, s.pkcs11TokenLabel,
                        pin, s.pkcs11KeyLabel);
                java.util.Arrays.fill(pin, '\0');
                b.clientPkcs11(request, s.certFile, "cert.file", owner);
            } else if (s.certFile != null) {
                b.clientCertificate(s.certFile, "cert.file", s.keyFile, "key.file");
            } else if (s.keystoreFile != null) {
                char[] password = s.keystorePassword.toCharArray();
                b.clientKeyStore(s.keystoreFile, password, s.keystoreAlias, KEYSTORE_SETTINGS);
                java.util.Arrays.fill(password, '\0');
            }
            return b.build();
        } catch (TlsMaterialException e) {
            String setting = e.setting() == null ? "tls" : e.setting();
            throw new InvalidConfigurationException(setting, e.getMessage(), e);
        } finally {
            if (request != null) {
                request.wipe();
            }
        }
    }

    /** @return the HTTP proxy of the settings, or null */
    static HttpProxy proxy(ConnectionSettings s) {
        if (!s.proxied()) {
            return null;
        }
        char[] password = s.proxyPassword.toCharArray();
        try {
            return HttpProxy.builder(s.proxyHost, s.proxyPort).credentials(s.proxyUsername, password)
                    .settings("proxy.host", "proxy.username", "proxy.password").build();
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("proxy.host", e.getMessage());
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private static Supplier<String> upgradeHint(ConnectionSettings s) {
        if (s.sigv4 != null) {
            SigV4WebSocketUrl signer = s.sigv4;
            return () -> "the signed URL was not accepted: check the AWS credentials (" + signer.lastCredentials()
                    + "; " + AwsCredentialsChain.ACCESS_KEY_SETTING + ", " + AwsCredentialsChain.PROFILE_SETTING + ", "
                    + AwsCredentialsChain.FILE_SETTING + "): expired temporary credentials must be refreshed; their "
                    + "policy must allow iot:Connect; also check aws.region (" + signer.region()
                    + ") and the gateway clock; the connection keeps retrying and signs again each time";
        }
        return () -> "check the custom authorizer settings (custom.auth.name, custom.auth.token.key.name, "
                + "custom.auth.token.value, custom.auth.token.signature, username, password)";
    }
}
