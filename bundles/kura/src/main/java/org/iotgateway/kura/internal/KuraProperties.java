package org.iotgateway.kura.internal;

import java.util.Map;
import java.util.Set;

/** Property names and PIDs shared by the adapter's components. */
final class KuraProperties {

    static final String KURA_SERVICE_PID = "kura.service.pid";
    static final String SERVICE_FACTORY_PID = "service.factoryPid";
    static final String UI_SERVICE_HIDE = "kura.ui.service.hide";
    static final String UI_FACTORY_HIDE = "kura.ui.factory.hide";
    static final String CLOUD_ENDPOINT_SERVICE_PID = "cloud.endpoint.service.pid";
    static final String CLOUD_CONNECTION_FACTORY_PID = "cloud.connection.factory.pid";
    static final String KURA_CLOUD_CONNECTION_FACTORY_PID = "kura.cloud.connection.factory.pid";

    static final String CONNECTION_PID = "org.iotgateway.mqtt.connection";
    static final String SHADOW_PID = "org.iotgateway.shadow";
    static final String JOBS_PID = "org.iotgateway.jobs";
    static final String DISCOVERY_PID = "org.iotgateway.greengrass.discovery";
    static final String AUTOCONNECT_PID = "org.iotgateway.greengrass.autoconnect";

    /** The factory PIDs of the core bundles whose configurations Kura manages through facades. */
    static final Set<String> CORE_FACTORY_PIDS = Set.of(CONNECTION_PID, SHADOW_PID, JOBS_PID, DISCOVERY_PID,
            AUTOCONNECT_PID);

    static final String PUBLISHER_PID = "org.iotgateway.kura.cloud.publisher";
    static final String SUBSCRIBER_PID = "org.iotgateway.kura.cloud.subscriber";
    static final String CONNECTION_FACTORY_COMPONENT = "org.iotgateway.kura.cloud.factory";

    /**
     * The DS namespace of the publisher and subscriber components. They declare {@code service.pid} (Kura's Cloud
     * Connections page reads the factory PID from it); from DS 1.3 on, SCR then registers the service with
     * {@code service.pid} as a list (declared PID and configuration PID), which Kura's ConfigurationService cannot
     * read (it expects a String). Before DS 1.3 the configuration's PID replaces the declared one, as in Kura's own
     * publishers.
     */
    static final String DS_1_2 = "http://www.osgi.org/xmlns/scr/v1.2.0";

    private KuraProperties() {
    }

    /** @return the trimmed string value of a configuration property, empty if absent */
    static String string(Map<String, Object> config, String key) {
        Object v = config.get(key);
        return v == null ? "" : String.valueOf(v).trim();
    }

    /**
     * @return the integer value of a configuration property (Integer, Long, String), the default if absent or not
     *         a number
     */
    static int integer(Map<String, Object> config, String key, int defaultValue) {
        Object v = config.get(key);
        if (v instanceof Number) {
            return ((Number) v).intValue();
        }
        try {
            return v == null ? defaultValue : Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            return defaultValue;
        }
    }

    /** @return an LDAP filter value with the special characters escaped */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
