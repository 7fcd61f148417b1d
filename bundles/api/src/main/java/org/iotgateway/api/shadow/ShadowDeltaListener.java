package org.iotgateway.api.shadow;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the deltas of a shadow: desired state that differs from the reported state.
 * <p>
 * Deltas of one shadow arrive in order, each version at most once, on a thread of the shadow
 * service (never on the MQTT client's thread); a listener may call blocking operations of the
 * shadow service. A listener that throws is logged and keeps receiving. Deltas published while the
 * gateway was offline are not lost: after every reconnect the service reads the shadow and delivers
 * its current delta when it changed. A listener added while a delta is pending receives the last
 * known delta first.
 * <p>
 * <b>Whiteboard.</b> Register the listener as an OSGi service with the {@value ShadowService#THING_NAME}
 * property (a thing name, or several) and optionally {@value ShadowService#SHADOW_NAME} (a shadow name,
 * or several; absent or empty: the classic shadow); every configured shadow service with that thing and
 * shadow picks it up while both exist.
 */
@ConsumerType
public interface ShadowDeltaListener {

    /**
     * @param delta the delta
     */
    void deltaReceived(ShadowDelta delta);
}
