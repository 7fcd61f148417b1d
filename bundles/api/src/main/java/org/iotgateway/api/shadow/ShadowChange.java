package org.iotgateway.api.shadow;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable change of a shadow as the service published it on {@code update/documents} after every
 * accepted update: the whole document before (absent when the update created the shadow) and after.
 */
public final class ShadowChange {

    private final ShadowDocument previous;
    private final ShadowDocument current;
    private final Instant timestamp;
    private final String clientToken;
    private final String json;

    /**
     * @param previous    the document before the update, or {@code null} if the update created the shadow
     * @param current     the document after the update
     * @param timestamp   when the service produced it, or {@code null}
     * @param clientToken the token of the update, or {@code null}
     * @param json        the JSON text it was read from, or {@code null}
     */
    public ShadowChange(ShadowDocument previous, ShadowDocument current, Instant timestamp, String clientToken,
            String json) {
        this.previous = previous;
        this.current = Objects.requireNonNull(current, "current");
        this.timestamp = timestamp;
        this.clientToken = clientToken;
        this.json = json == null ? "" : json;
    }

    /** @return the thing name */
    public String thingName() {
        return current.thingName();
    }

    /** @return the shadow name, empty for the classic shadow */
    public String shadowName() {
        return current.shadowName();
    }

    /** @return the document before the update; empty if the update created the shadow */
    public Optional<ShadowDocument> previous() {
        return Optional.ofNullable(previous);
    }

    /** @return the document after the update (its delta computed from its desired and reported state) */
    public ShadowDocument current() {
        return current;
    }

    /** @return the new version (that of {@link #current()}) */
    public long version() {
        return current.version();
    }

    /** @return when the service produced it, if known */
    public Optional<Instant> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    /** @return the client token of the update, if any */
    public Optional<String> clientToken() {
        return Optional.ofNullable(clientToken);
    }

    /** @return the JSON text it was read from */
    public String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ShadowChange)) {
            return false;
        }
        ShadowChange c = (ShadowChange) o;
        return Objects.equals(previous, c.previous) && current.equals(c.current) && Objects.equals(timestamp, c.timestamp)
                && Objects.equals(clientToken, c.clientToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(previous, current);
    }

    @Override
    public String toString() {
        return "ShadowChange[" + (previous == null ? "created" : "v" + previous.version()) + " -> " + current + "]";
    }
}
