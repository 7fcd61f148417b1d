package org.iotgateway.api.shadow;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.iotgateway.api.ConnectionClosedException;
import org.iotgateway.api.InvalidRequestException;
import org.iotgateway.api.PayloadTooLargeException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One AWS IoT Device Shadow (the classic shadow of a thing, or a named shadow) on an
 * {@link org.iotgateway.api.IoTConnection}, registered as an OSGi service once per configuration
 * (factory PID {@code org.iotgateway.shadow}).
 * <p>
 * <b>Requests.</b> {@link #get()}, {@link #update(ShadowUpdate)} and {@link #delete()} are asynchronous:
 * the returned stage completes with the service's reply, exceptionally with
 * {@link ShadowRejectedException} (carrying the service's code and message; subclasses for 404 and
 * 409) or {@link ShadowTimeoutException} (after the configured operation timeout). The
 * {@code ...AndWait} variants block for at most that timeout and throw the same exceptions. Stages
 * complete on a thread of the shadow service, never on the MQTT client's thread, and in request order
 * for one shadow.
 * <p>
 * Requests wait while no connection is bound or the connection is down, and are sent when it is back
 * (within the timeout). A request already sent when its connection is replaced or closed fails with
 * {@link ConnectionClosedException}; the shadow is read again on the new connection.
 * <p>
 * <b>State.</b> The service keeps the last known document ({@link #current()}); deltas and changes are
 * delivered to {@link ShadowDeltaListener}s and {@link ShadowDocumentListener}s (added here, or as
 * whiteboard services), in order and at most once per version.
 * <p>
 * Service properties: {@value #THING_NAME}, {@value #SHADOW_NAME} (empty for the classic shadow) and
 * {@code IoTConnection.target}, the filter selecting the connection.
 */
@ProviderType
public interface ShadowService {

    /** Service property (and whiteboard listener property): the thing name. */
    String THING_NAME = "thing.name";

    /** Service property (and whiteboard listener property): the shadow name, empty for the classic shadow. */
    String SHADOW_NAME = "shadow.name";

    /** AWS IoT's limit on desired plus reported state of a shadow, in bytes of JSON (metadata excluded). */
    int MAX_STATE_BYTES = 8 * 1024;

    /** AWS IoT's limit on nesting inside the desired or reported section (the section itself is level 1). */
    int MAX_DEPTH = 6;

    /** @return the thing name */
    String thingName();

    /** @return the shadow name, empty for the classic shadow */
    String shadowName();

    /**
     * Reads the whole shadow.
     *
     * @return completes with the document (desired, reported, delta, metadata, version); fails with
     *         {@link ShadowNotFoundException} if the shadow does not exist
     */
    CompletionStage<ShadowDocument> get();

    /**
     * Merges desired and/or reported state into the shadow (creating it if needed).
     *
     * @param update the update
     * @return completes with the service's acknowledgement: the state this update wrote, its metadata,
     *         the new version and timestamp; fails with {@link ShadowVersionConflictException} if the
     *         update's expected version is not the shadow's
     * @throws InvalidRequestException   at once, for a {@code null} update or state nested deeper than
     *                                   {@value #MAX_DEPTH} levels; nothing is sent
     * @throws PayloadTooLargeException  at once, if the update's desired plus reported JSON exceeds
     *                                   {@value #MAX_STATE_BYTES} bytes; nothing is sent
     * @throws ConnectionClosedException at once, if the service was closed
     */
    CompletionStage<ShadowDocument> update(ShadowUpdate update);

    /**
     * Deletes the shadow. Its version counter survives: the next update continues from it.
     *
     * @return completes once deleted; fails with {@link ShadowNotFoundException} if it did not exist
     */
    CompletionStage<Void> delete();

    /**
     * Reports state: {@code update(ShadowUpdate.reported(reported))}.
     *
     * @param reported the reported state to merge ({@code null} values delete keys)
     * @return see {@link #update(ShadowUpdate)}
     */
    default CompletionStage<ShadowDocument> report(Map<String, ?> reported) {
        return update(ShadowUpdate.reported(reported));
    }

    /**
     * Requests state: {@code update(ShadowUpdate.desired(desired))}.
     *
     * @param desired the desired state to merge ({@code null} values delete keys)
     * @return see {@link #update(ShadowUpdate)}
     */
    default CompletionStage<ShadowDocument> desire(Map<String, ?> desired) {
        return update(ShadowUpdate.desired(desired));
    }

    /**
     * {@link #get()} and wait, at most the operation timeout.
     *
     * @return the document
     * @throws ShadowRejectedException if the service rejected it ({@link ShadowNotFoundException} for 404)
     * @throws ShadowTimeoutException  if no reply came in time
     */
    ShadowDocument getAndWait();

    /**
     * {@link #update(ShadowUpdate)} and wait, at most the operation timeout.
     *
     * @param update the update
     * @return the service's acknowledgement
     * @throws ShadowRejectedException if the service rejected it ({@link ShadowVersionConflictException} for 409)
     * @throws ShadowTimeoutException  if no reply came in time (the update may still be applied)
     */
    ShadowDocument updateAndWait(ShadowUpdate update);

    /**
     * {@link #delete()} and wait, at most the operation timeout.
     *
     * @throws ShadowRejectedException if the service rejected it ({@link ShadowNotFoundException} for 404)
     * @throws ShadowTimeoutException  if no reply came in time
     */
    void deleteAndWait();

    /**
     * @return the last whole document the service saw (from a get, or from the {@code update/documents}
     *         the service publishes while subscribed), or empty if none yet or the shadow was deleted
     */
    Optional<ShadowDocument> current();

    /**
     * @param listener receives every later delta of this shadow; subscribes if needed
     */
    void addDeltaListener(ShadowDeltaListener listener);

    /**
     * @param listener a listener added before; no effect otherwise
     */
    void removeDeltaListener(ShadowDeltaListener listener);

    /**
     * @param listener receives every later change of this shadow; subscribes if needed
     */
    void addDocumentListener(ShadowDocumentListener listener);

    /**
     * @param listener a listener added before; no effect otherwise
     */
    void removeDocumentListener(ShadowDocumentListener listener);
}
