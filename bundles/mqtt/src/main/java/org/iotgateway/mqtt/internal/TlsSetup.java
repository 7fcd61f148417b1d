package org.iotgateway.mqtt.internal;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.iotgateway.tls.SafeSocketFactory;
import org.iotgateway.tls.TlsContexts;
import org.iotgateway.tls.TlsMaterialException;

/**
 * Builds the socket factory of a connection's transport from its settings.
 */
final class TlsSetup {

    private TlsSetup() {
    }

    /**
     * @param s the settings
     * @return a TLS 1.2+ socket factory with hostname verification as configured, or {@code null} for plain TCP
     * @throws InvalidConfigurationException naming the setting and file when TLS material cannot be used
     */
    static SocketFactory socketFactory(ConnectionSettings s) {
        if (!s.transport.tls()) {
            return null;
        }
        try {
            TlsContexts.Builder b = TlsContexts.builder();
            if (s.caFile != null) {
                b.trustedCertificates(s.caFile, "ca.file");
            }
            if (s.certFile != null) {
                b.clientCertificate(s.certFile, "cert.file", s.keyFile, "key.file");
            }
            SSLContext context = b.build();
            return SafeSocketFactory.builder(context).hostnameVerification(s.hostnameVerification).build();
        } catch (TlsMaterialException e) {
            String setting = e.setting() == null ? "tls" : e.setting();
            throw new InvalidConfigurationException(setting, e.getMessage(), e);
        }
    }
}
