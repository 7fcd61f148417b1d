package org.eclipse.kura.configuration;

import java.util.Map;

import org.eclipse.kura.KuraException;

/** Declaration of the ConfigurationService methods the adapter calls. */
public interface ConfigurationService {

    String KURA_SERVICE_PID = "kura.service.pid";

    void createFactoryConfiguration(String factoryPid, String pid, Map<String, Object> properties, boolean takeSnapshot)
            throws KuraException;

    void deleteFactoryConfiguration(String pid, boolean takeSnapshot) throws KuraException;
}
