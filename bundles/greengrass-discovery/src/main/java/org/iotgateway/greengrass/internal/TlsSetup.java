package org.iotgateway.greengrass.internal;

import java.security.cert.X509Certificate;
import java.util.List;

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
     * @param s the discovery settings
     * @return the factory for the discovery endpoint, to layer TLS over a connection the caller opened (directly
     *         or through {@link #proxy(DiscoverySettings)}): trusting {@code ca.file} (or the JVM's CAs), offering
     *         ALPN {@code x-amzn-http-ca} on port 443
     * @throws InvalidConfigurationException naming the setting and file when TLS material cannot be used
     */
    static SafeSocketFactory discovery(DiscoverySettings s) {
        try {
            TlsContexts.Builder b = TlsContexts.builder();
            if (s.caFile != null) {
                b.trustedCertificates(s.caFile, "ca.file");
            }
            SSLContext context = s.credentials.applyTo(b).build();
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
     * @param credentials          the device credentials
     * @param hostnameVerification whether the core's certificate must match the connectivity entry's host
     * @return the factory to check a core with
     * @throws TlsMaterialException when the device credentials cannot be used
     */
    static SafeSocketFactory core(List<X509Certificate> groupCas, Credentials credentials,
            boolean hostnameVerification) {
        SSLContext context = credentials.applyTo(TlsContexts.builder().trustedCertificates(groupCas)).build();
        return SafeSocketFactory.builder(context).hostnameVerification(hostnameVerification).build();
    }
}
