package org.iotgateway.kura.internal;

import org.eclipse.kura.configuration.ConfigurableComponent;

/**
 * What Kura's ConfigurationService tracks for one configuration of a core factory PID (shadow, jobs, discovery,
 * auto-connect): a ConfigurableComponent service carrying {@code kura.service.pid}, {@code service.pid} and
 * {@code service.factoryPid}. The configuration itself stays with ConfigurationAdmin and the core component.
 */
final class ConfigurableFacade implements ConfigurableComponent {

    private final String servicePid;

    ConfigurableFacade(String servicePid) {
        this.servicePid = servicePid;
    }

    @Override
    public String toString() {
        return "ConfigurableFacade[" + servicePid + "]";
    }
}
