package org.iotgateway.greengrass.internal;

import java.util.Objects;

import javax.net.ssl.KeyManager;

/**
 * The device key of one discovery configuration, loaded once when the configuration is applied, with the credentials
 * it came from. Discovery requests and the auto-connect's core checks authenticate with this one key manager, so a
 * key in a PKCS#11 token is logged in to once per configuration, never per request or per core.
 */
final class DeviceKey {

    final Credentials credentials;
    final KeyManager keyManager;

    DeviceKey(Credentials credentials, KeyManager keyManager) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.keyManager = Objects.requireNonNull(keyManager, "keyManager");
    }

    @Override
    public String toString() {
        return credentials.toString();
    }
}
