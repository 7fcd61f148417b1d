package org.iotgateway.api.shadow;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable shadow document as the service returned it: desired, reported and delta state as
 * nested maps, metadata, version and timestamp, plus the raw JSON text.
 * <p>
 * Nested values are unmodifiable: JSON objects are {@code Map<String, Object>} (key order kept),
 * arrays {@code List<Object>}, integral numbers {@code Integer}, {@code Long} or {@code BigInteger}
 * (the smallest that fits), other numbers {@code Double}, then {@code String}, {@code Boolean} and
 * {@code null}.
 * <p>
 * What a document holds depends on where it came from: a {@link ShadowService#get() get} returns the
 * whole shadow including the delta; an {@link ShadowService#update update} returns the service's
 * acknowledgement, which holds the state the update wrote (not the whole shadow), its metadata and
 * the new version; {@link ShadowChange} holds whole documents before and after an update (with the
 * delta computed from them).
 */
public final class ShadowDocument {

    private final String thingName;
    private final String shadowName;
    private final Map<String, Object> desired;
    private final Map<String, Object> reported;
    private final Map<String, Object> delta;
    private final Map<String, Object> metadata;
    private final long version;
    private final Instant timestamp;
    private final String clientToken;
    private final String json;

    private ShadowDocument(Builder b) {
        this.thingName = Objects.requireNonNull(b.thingName, "thingName");
        this.shadowName = b.shadowName == null ? "" : b.shadowName;
        this.desired = b.desired;
        this.reported = b.reported;
        this.delta = b.delta;
        this.metadata = b.metadata;
        this.version = b.version;
        this.timestamp = b.timestamp;
        this.clientToken = b.clientToken;
        this.json = b.json == null ? "" : b.json;
    }

    /**
     * @param thingName  the thing the shadow belongs to
     * @param shadowName the shadow name, empty for the classic shadow
     * @return a builder (for implementations and tests)
     */
    public static Builder builder(String thingName, String shadowName) {
        return new Builder(thingName, shadowName);
    }

    /** @return the thing name */
    public String thingName() {
        return thingName;
    }

    /** @return the shadow name, empty for the classic shadow */
    public String shadowName() {
        return shadowName;
    }

    /** @return the desired state; empty when the shadow has none */
    public Map<String, Object> desired() {
        return desired;
    }

    /** @return the reported state; empty when the shadow has none */
    public Map<String, Object> reported() {
        return reported;
    }

    /** @return the keys of desired whose values differ from reported (recursively); empty when in sync */
    public Map<String, Object> delta() {
        return delta;
    }

    /**
     * @return the metadata as the service sent it: {@code {"desired": {...}, "reported": {...}}} mirroring the
     *         state, with {@code {"timestamp": <epoch seconds>}} per leaf
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** @return the shadow's version: 1 for a new shadow, incremented by every accepted update */
    public long version() {
        return version;
    }

    /** @return when the service produced the document, if it said so (second precision) */
    public Optional<Instant> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    /** @return the client token of the request that produced the document, if any */
    public Optional<String> clientToken() {
        return Optional.ofNullable(clientToken);
    }

    /** @return the JSON text the document was read from (empty for documents built without it) */
    public String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ShadowDocument)) {
            return false;
        }
        ShadowDocument d = (ShadowDocument) o;
        return version == d.version && thingName.equals(d.thingName) && shadowName.equals(d.shadowName)
                && desired.equals(d.desired) && reported.equals(d.reported) && delta.equals(d.delta)
                && metadata.equals(d.metadata) && Objects.equals(timestamp, d.timestamp)
                && Objects.equals(clientToken, d.clientToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(thingName, shadowName, desired, reported, delta, version);
    }

    @Override
    public String toString() {
        return "ShadowDocument[" + thingName + (shadowName.isEmpty() ? "" : "/" + shadowName) + " v" + version
                + ", desired=" + desired + ", reported=" + reported + ", delta=" + delta + "]";
    }

    /** Builds a {@link ShadowDocument}; the maps given are copied deeply. */
    public static final class Builder {
        private final String thingName;
        private final String shadowName;
        private Map<String, Object> desired = Map.of();
        private Map<String, Object> reported = Map.of();
        private Map<String, Object> delta = Map.of();
        private Map<String, Object> metadata = Map.of();
        private long version;
        private Instant timestamp;
        private String clientToken;
        private String json;

        private Builder(String thingName, String shadowName) {
            this.thingName = Objects.requireNonNull(thingName, "thingName");
            this.shadowName = shadowName == null ? "" : shadowName;
        }

        /**
         * @param desired the desired state ({@code null}: none)
         * @return this builder
         */
        public Builder desired(Map<String, ?> desired) {
            this.desired = JsonValues.copyObject(desired, "desired");
            return this;
        }

        /**
         * @param reported the reported state ({@code null}: none)
         * @return this builder
         */
        public Builder reported(Map<String, ?> reported) {
            this.reported = JsonValues.copyObject(reported, "reported");
            return this;
        }

        /**
         * @param delta the delta ({@code null}: none)
         * @return this builder
         */
        public Builder delta(Map<String, ?> delta) {
            this.delta = JsonValues.copyObject(delta, "delta");
            return this;
        }

        /**
         * @param metadata the metadata ({@code null}: none)
         * @return this builder
         */
        public Builder metadata(Map<String, ?> metadata) {
            this.metadata = JsonValues.copyObject(metadata, "metadata");
            return this;
        }

        /**
         * @param version the version
         * @return this builder
         */
        public Builder version(long version) {
            this.version = version;
            return this;
        }

        /**
         * @param timestamp when the service produced the document, or {@code null}
         * @return this builder
         */
        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        /**
         * @param clientToken the request's client token, or {@code null}
         * @return this builder
         */
        public Builder clientToken(String clientToken) {
            this.clientToken = clientToken;
            return this;
        }

        /**
         * @param json the JSON text the document was read from, or {@code null}
         * @return this builder
         */
        public Builder json(String json) {
            this.json = json;
            return this;
        }

        /** @return the document */
        public ShadowDocument build() {
            return new ShadowDocument(this);
        }
    }
}
