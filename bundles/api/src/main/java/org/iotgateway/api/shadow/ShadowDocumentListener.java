package org.iotgateway.api.shadow;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives every accepted change of a shadow ({@code update/documents}): the whole document before
 * and after, whoever made the update.
 * <p>
 * Changes of one shadow arrive in order, each version at most once (a change older than one already
 * delivered is dropped), on a thread of the shadow service, never on the MQTT client's thread. A
 * listener that throws is logged and keeps receiving.
 * <p>
 * <b>Whiteboard.</b> As for {@link ShadowDeltaListener}: register it as an OSGi service with the
 * {@value ShadowService#THING_NAME} and optionally {@value ShadowService#SHADOW_NAME} properties.
 */
@ConsumerType
public interface ShadowDocumentListener {

    /**
     * @param change the shadow before and after an update
     */
    void documentChanged(ShadowChange change);
}
