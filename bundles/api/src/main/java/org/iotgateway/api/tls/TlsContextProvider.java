package org.iotgateway.api.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;

import javax.net.ssl.SSLContext;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Supplies an initialized {@link SSLContext} (key managers with the client key and certificate, trust managers with
 * the trusted CAs) to the connections whose {@code tls.provider.target} filter selects this service.
 * <p>
 * The connection still applies its own TLS settings on top of the context: enabled TLS versions, cipher suites,
 * host name verification, ALPN on port 443 and the HTTP proxy tunnel. When the material behind the context changes,
 * the provider changes the service property {@link #GENERATION} (for example increments it); every connection using
 * the provider then builds a new socket factory from {@link #sslContext()} and reconnects.
 * <p>
 * Registered by platform adapters (for Eclipse Kura: one per SslManagerService and KeystoreService) or by apps.
 */
@ConsumerType
public interface TlsContextProvider {

    /**
     * Service property that changes whenever the TLS material changes (any type; compared with {@code equals}).
     */
    String GENERATION = "tls.provider.generation";

    /**
     * Optional service property: a short human-readable description of where the material comes from, for logs.
     * Never contains secrets.
     */
    String DESCRIPTION = "tls.provider.description";

    /**
     * @return an initialized context; called once per configuration or generation change, not per connection
     *         attempt
     * @throws GeneralSecurityException if the material cannot be turned into a context
     * @throws IOException              if the material cannot be read
     */
    SSLContext sslContext() throws GeneralSecurityException, IOException;
}
