package org.iotgateway.kura.internal;

import java.util.function.Consumer;

import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/** Follows the CloudEndpoint whose {@code kura.service.pid} a publisher or subscriber is configured with. */
final class EndpointTracker extends ServiceTracker<CloudEndpoint, CloudEndpoint> {

    private final Consumer<CloudEndpoint> added;
    private final Consumer<CloudEndpoint> removed;

    EndpointTracker(BundleContext context, String endpointPid, Consumer<CloudEndpoint> added,
            Consumer<CloudEndpoint> removed) throws InvalidSyntaxException {
        super(context, FrameworkUtil.createFilter("(&(objectClass=" + CloudEndpoint.class.getName() + ")("
                + KuraProperties.KURA_SERVICE_PID + "=" + KuraProperties.escape(endpointPid) + "))"), null);
        this.added = added;
        this.removed = removed;
    }

    @Override
    public CloudEndpoint addingService(ServiceReference<CloudEndpoint> reference) {
        CloudEndpoint endpoint = super.addingService(reference);
        if (endpoint != null) {
            added.accept(endpoint);
        }
        return endpoint;
    }

    @Override
    public void removedService(ServiceReference<CloudEndpoint> reference, CloudEndpoint endpoint) {
        removed.accept(endpoint);
        super.removedService(reference, endpoint);
    }
}
