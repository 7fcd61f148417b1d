/**
 * The AWS IoT Greengrass discovery API gateway apps bind to: {@link
 * org.iotgateway.api.discovery.GreengrassDiscovery} (one service per configured discovery endpoint and
 * device credentials), the immutable answer it returns (groups, their cores and each core's connectivity
 * entries, in the order the service sent them) and typed exceptions.
 * <p>
 * The package depends on nothing but the JDK and the connection API {@code org.iotgateway.api}.
 */
@Export
@Version("1.0.0")
package org.iotgateway.api.discovery;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
