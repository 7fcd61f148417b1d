/**
 * The AWS IoT Jobs API gateway apps bind to: {@link org.iotgateway.api.jobs.JobsService} (one per
 * thing), the {@link org.iotgateway.api.jobs.JobHandler} whiteboard that executes jobs
 * automatically, immutable job execution values and the typed
 * {@link org.iotgateway.api.jobs.JobsRejectedException}.
 * <p>
 * The package depends on nothing but the JDK and {@code org.iotgateway.api}. Interfaces marked
 * {@code @ProviderType} are implemented by the iot-gateway bundles only; interfaces marked
 * {@code @ConsumerType} are implemented by applications.
 */
@Export
@Version("1.0.0")
package org.iotgateway.api.jobs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
