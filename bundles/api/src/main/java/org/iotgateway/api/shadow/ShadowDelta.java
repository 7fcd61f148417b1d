package org.iotgateway.api.shadow;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable delta: the part of the desired state that differs from the reported state, as the
 * service published it on {@code update/delta}, or as the shadow service found it with a {@code get}
 * after a reconnect (deltas published while the gateway was offline are not lost).
 * <p>
 * Values are typed as in {@link ShadowDocument}.
 */
public final class ShadowDelta {

    private final String thingName;
    private final String shadowName;
    private final Map<String, Object> state;
    private final Map<String, Object> metadata;
    private final long version;
    private final Instant timestamp;
    private final String clientToken;
    private final String json;

    /**
     * @param thingName   the thing
     * @param shadowName  the shadow name, empty (or {@code null}) for the classic shadow
     * @param state       the delta state (copied deeply)
     * @param metadata    the desired metadata of the delta's keys (copied deeply), or {@code null}
     * @param version     the shadow version the delta belongs to
     * @param timestamp   when the service produced it, or {@code null}
     * @param clientToken the token of the update that caused it, or {@code null}
     * @param json        the JSON text it was read from, or {@code null}
     */
    public ShadowDelta(String thingName, String shadowName, Map<String, ?> state, Map<String, ?> metadata, long version,
            Instant timestamp, String clientToken, String json) {
        this.thingName = Objects.requireNonNull(thingName, "thingName");
        this.shadowName = shadowName == null ? "" : shadowName;
        this.state = JsonValues.copyObject(state, "state");
        this.metadata = JsonValues.copyObject(metadata, "metadata");
        this.version = version;
        this.timestamp = timestamp;
        this.clientToken = clientToken;
        this.json = json == null ? "" : json;
    }

    /** @return the thing name */
    public String thingName() {
        return thingName;
    }

    /** @return the shadow name, empty for the classic shadow */
    public String shadowName() {
        return shadowName;
    }

    /** @return the desired values that differ from the reported ones, nested as in the document */
    public Map<String, Object> state() {
        return state;
    }

    /** @return the desired metadata ({@code {"timestamp": ...}} per leaf) of the delta's keys */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** @return the shadow version this delta belongs to */
    public long version() {
        return version;
    }

    /** @return when the service produced it, if known */
    public Optional<Instant> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    /** @return the client token of the update that caused it, if any */
    public Optional<String> clientToken() {
        return Optional.ofNullable(clientToken);
    }

    /** @return the JSON text it was read from (empty if synthesized without it) */
    public String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ShadowDelta)) {
            return false;
        }
        ShadowDelta d = (ShadowDelta) o;
        return version == d.version && thingName.equals(d.thingName) && shadowName.equals(d.shadowName)
                && state.equals(d.state) && metadata.equals(d.metadata) && Objects.equals(timestamp, d.timestamp)
                && Objects.equals(clientToken, d.clientToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(thingName, shadowName, state, version);
    }

    @Override
    public String toString() {
        return "ShadowDelta[" + thingName + (shadowName.isEmpty() ? "" : "/" + shadowName) + " v" + version + ", state="
                + state + "]";
    }
}
