package org.iotgateway.kura.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.CloudEndpoint;
import org.eclipse.kura.cloudconnection.factory.CloudConnectionFactory;
import org.eclipse.kura.configuration.ConfigurationService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * "AWS IoT" in Kura's Cloud Connections page. A new cloud connection is a configuration of the connection factory
 * PID {@code org.iotgateway.mqtt.connection}, made through Kura's ConfigurationService (so it is in Kura's
 * snapshots) with {@code connection.id} set to the new PID; Kura then shows its form for the endpoint, thing name
 * and certificates. Every connection configuration, however it was made, is listed as a cloud connection.
 * Publishers and subscribers for it are created from the same page ({@link AwsCloudPublisher},
 * {@link AwsCloudSubscriber}).
 */
@Component(name = KuraProperties.CONNECTION_FACTORY_COMPONENT, property = {
        "service.pid=" + KuraProperties.CONNECTION_FACTORY_COMPONENT,
        "kura.ui.csf.pid.default=aws-iot",
        "kura.ui.csf.pid.regex=^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$" })
public final class AwsCloudConnectionFactory implements CloudConnectionFactory {

    /** What a new connection's PID may look like (also the connection id apps select it by). */
    static final Pattern PID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    @Reference
    private ConfigurationService configurationService;

    private BundleContext context;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
    }

    @Override
    public String getFactoryPid() {
        return KuraProperties.CONNECTION_PID;
    }

    @Override
    public void createConfiguration(String pid) throws KuraException {
        if (pid == null || !PID.matcher(pid).matches()) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "an AWS IoT connection name is 1 to 100 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (getManagedCloudConnectionPids().contains(pid)) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "a cloud connection " + pid + " exists already");
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put("connection.id", pid);
        configurationService.createFactoryConfiguration(KuraProperties.CONNECTION_PID, pid, properties, true);
    }

    @Override
    public List<String> getStackComponentsPids(String pid) throws KuraException {
        List<String> result = new ArrayList<>();
        if (getManagedCloudConnectionPids().contains(pid)) {
            result.add(pid);
        }
        return result;
    }

    @Override
    public void deleteConfiguration(String pid) throws KuraException {
        if (!getManagedCloudConnectionPids().contains(pid)) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "no AWS IoT cloud connection " + pid);
        }
        configurationService.deleteFactoryConfiguration(pid, true);
    }

    @Override
    public Set<String> getManagedCloudConnectionPids() throws KuraException {
        Set<String> pids = new HashSet<>();
        try {
            for (ServiceReference<CloudEndpoint> ref : context.getServiceReferences(CloudEndpoint.class, "("
                    + KuraProperties.KURA_CLOUD_CONNECTION_FACTORY_PID + "="
                    + KuraProperties.CONNECTION_FACTORY_COMPONENT + ")")) {
                Object pid = ref.getProperty(KuraProperties.KURA_SERVICE_PID);
                if (pid instanceof String) {
                    pids.add((String) pid);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, e.getMessage());
        }
        return pids;
    }
}
