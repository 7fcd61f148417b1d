/**
 * TLS material for MQTT and HTTPS clients on gateways, with the JDK alone: PEM certificates and keys ({@link
 * org.iotgateway.tls.Pem}), client {@link javax.net.ssl.SSLContext}s with checks that name the offending file and
 * setting ({@link org.iotgateway.tls.TlsContexts}, {@link org.iotgateway.tls.TlsMaterialException}), device keys from
 * PKCS#12 and JKS keystores ({@link org.iotgateway.tls.KeyStores}), and a socket factory ({@link
 * org.iotgateway.tls.SafeSocketFactory}) that enforces TLSv1.3/TLSv1.2 and host name verification, offers ALPN in a way
 * client libraries cannot reset ({@link org.iotgateway.tls.AlpnSocket}) and tunnels through HTTP proxies ({@link
 * org.iotgateway.tls.HttpProxy}).
 *
 * <p>Not an exported API: bnd copies this package privately into each bundle that uses it
 * ({@code -conditionalpackage}), so it has no OSGi dependency and no mutable static state.
 */
package org.iotgateway.tls;
