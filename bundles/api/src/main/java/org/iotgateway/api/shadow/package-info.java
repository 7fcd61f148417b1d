/**
 * The AWS IoT Device Shadow API gateway apps bind to: {@link org.iotgateway.api.shadow.ShadowService}
 * (one service per configured classic or named shadow), its immutable documents, deltas and update
 * requests, the listeners apps implement, and typed exceptions.
 * <p>
 * State is plain Java: JSON objects are {@code Map<String, Object>}, arrays {@code List<Object>},
 * strings, booleans, numbers and {@code null}; the raw JSON text is available on every received value.
 * The package depends on nothing but the JDK and the connection API {@code org.iotgateway.api}.
 */
@Export
@Version("1.0.0")
package org.iotgateway.api.shadow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
