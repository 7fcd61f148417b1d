package org.iotgateway.emulator;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;

/**
 * The emulator's PKI: a CA, the server certificate used by the TLS listener and the discovery
 * endpoint, and device certificates. Generated on first start into {@link #directory()} (or taken
 * from configured files) and reused on later starts.
 */
public interface EmulatorCertificates {

    /** The directory the certificates live in. */
    Path directory();

    /** The CA certificate file (PEM), trust anchor for the emulator's servers. */
    Path caCertificateFile();

    X509Certificate caCertificate();

    /** The CA certificate as PEM text. */
    String caCertificatePem();

    /** The server certificate file (PEM). */
    Path serverCertificateFile();

    X509Certificate serverCertificate();

    /** The credentials of a device known to the emulator. */
    Optional<DeviceCredentials> device(String name);

    /** Names of the devices whose certificates the emulator knows. */
    List<String> deviceNames();

    /** A key store with the CA certificate as trusted entry {@code ca}. */
    KeyStore trustStore();

    /** A TLS client context that trusts the emulator's CA and presents no client certificate. */
    SSLContext trustOnlySslContext();
}
