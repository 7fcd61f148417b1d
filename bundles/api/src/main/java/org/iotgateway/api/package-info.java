/**
 * The connection API gateway apps bind to: {@link org.iotgateway.api.IoTConnection}, its
 * message and state listeners, immutable messages and typed exceptions.
 * <p>
 * The package depends on nothing but the JDK. Interfaces marked {@code @ProviderType} are
 * implemented by the iot-gateway bundles only; interfaces marked {@code @ConsumerType} are
 * implemented by applications.
 */
@Export
@Version("1.1.0")
package org.iotgateway.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
