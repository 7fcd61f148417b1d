/**
 * A hook through which a platform supplies the TLS material of connections: a
 * {@link org.iotgateway.api.tls.TlsContextProvider} service selected by a connection's
 * {@code tls.provider.target} filter. Plain OSGi, no platform types: on Eclipse Kura the adapter bundle
 * registers providers backed by Kura's SslManagerService and KeystoreService.
 */
@Export
@Version("1.0.0")
package org.iotgateway.api.tls;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
