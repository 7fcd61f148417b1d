package org.iotgateway.greengrass.internal;

import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

import org.iotgateway.tls.HttpProxy;
import org.iotgateway.tls.SafeSocketFactory;
import org.iotgateway.tls.TlsContexts;
import org.iotgateway.tls.TlsMaterialException;

/**
 * Socket factories from the shared TLS code (the same loading and checks as the connection's): TLS 1.3/1.2 only,
 * host name verification as configured, the device certificate for mutual TLS.
 */
final class TlsSetup {

    private TlsSetup() {
    }

    /**
     * Loads the device key of the settings.
     *
     * @param s the discovery settings
     * @param owner who uses a token key (one per configuration), until {@link org.iotgateway.tls.Pkcs11Keys#release}
     * @return the loaded key
     * @throws InvalidConfigurationException naming the setting and file when the key or certificate cannot be used;
     *         its cause is the {@link TlsMaterialException}
     */
    static DeviceKey deviceKey(DiscoverySettings s, Object owner) {
        try {
            return new DeviceKey(s.credentials, s.credentials.load(owner));
        } catch (TlsMaterialException e) {
            throw new InvalidConfigurationException(e.setting() == null ? "tls" : e.setting(), e.getMessage(), e);
        }
    }

    /**
     * @param s the discovery settings
     * @param key the device key (see {@link #deviceKey(DiscoverySettings, Object)})
     * @return the factory for the discovery endpoint, to layer TLS over a connection the caller opened (directly
     *         or through {@link #proxy(DiscoverySettings)}): trusting {@code ca.file} (or the JVM's CAs), offering
     *         ALPN {@code x-amzn-http-ca} on port 443
     * @throws InvalidConfigurationException naming the setting and file when TLS material cannot be used
     */
    static SafeSocketFactory discovery(DiscoverySettings s, DeviceKey key) {
        try {
            TlsContexts.Builder b = TlsContexts.builder();
            if (s.caFile != null) {
                b.trustedCertificates(s.caFile, "ca.file");
            }
            SSLContext context = b.keyManagers(key.keyManager).build();
            return SafeSocketFactory.builder(context)
                    .hostnameVerification(s.hostnameVerification)
                    .applicationProtocols(s.alpn)
                    .build();
        } catch (TlsMaterialException e) {
            throw new InvalidConfigurationException(e.setting() == null ? "tls" : e.setting(), e.getMessage(), e);
        }
    }

    /**
     * @param s the discovery settings
     * @return the HTTP proxy to reach the discovery endpoint through, or {@code null} to connect directly
     * @throws InvalidConfigurationException for an invalid proxy setting
     */
    static HttpProxy proxy(DiscoverySettings s) {
        if (s.proxyHost == null) {
            return null;
        }
        try {
            return HttpProxy.builder(s.proxyHost, s.proxyPort)
                    .credentials(s.proxyUsername.isEmpty() ? null : s.proxyUsername,
                            s.proxyPassword.isEmpty() ? null : s.proxyPassword.toCharArray())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("proxy.host", e.getMessage(), e);
        }
    }

    /**
     * @param groupCas             the group's CA certificates, the only ones trusted
     * @param key                  the device key of the discovery configuration
     * @param hostnameVerification whether the core's certificate must match the connectivity entry's host
     * @return the factory to check a core with
     */
    static SafeSocketFactory core(List<X509Certificate> groupCas, KeyManager key, boolean hostnameVerification) {
        SSLContext context = TlsContexts.builder().trustedCertificates(groupCas).keyManagers(key).build();
        return SafeSocketFactory.builder(context).hostnameVerification(hostnameVerification).build();
    }
}
