package org.eclipse.kura.cloudconnection.message;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.kura.message.KuraPayload;

/** Declaration: a payload with properties (topic parts, QoS, ...) that travel with it. */
public class KuraMessage {

    private final Map<String, Object> properties;
    private final KuraPayload payload;

    public KuraMessage(KuraPayload payload) {
        this(payload, new HashMap<>());
    }

    public KuraMessage(KuraPayload payload, Map<String, Object> properties) {
        this.payload = payload;
        this.properties = new HashMap<>(properties);
    }

    public Map<String, Object> getProperties() {
        return properties;
    }

    public KuraPayload getPayload() {
        return payload;
    }
}
