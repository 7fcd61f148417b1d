package org.iotgateway.api.shadow;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

import org.iotgateway.api.InvalidRequestException;

/**
 * An immutable shadow update request: desired and/or reported state to merge into the shadow, and
 * optionally the version the shadow must have for the update to be accepted.
 * <p>
 * The service merges objects recursively; a {@code null} value deletes that key, arrays are replaced
 * whole. {@link Builder#clearDesired()} and {@link Builder#clearReported()} delete a whole section.
 * Maps may contain {@code null} values (use a {@code HashMap} or {@code LinkedHashMap}; {@code Map.of}
 * refuses them). Values must have a JSON form: {@code Map<String, ?>}, {@code List}/{@code Collection},
 * {@code String}, {@code Number} (finite), {@code Boolean} or {@code null}.
 *
 * <pre>{@code
 * shadow.update(ShadowUpdate.builder()
 *         .reported(Map.of("temperature", 21.5))
 *         .expectedVersion(document.version())
 *         .build());
 * }</pre>
 */
public final class ShadowUpdate {

    private final Map<String, Object> desired;
    private final Map<String, Object> reported;
    private final boolean hasDesired;
    private final boolean hasReported;
    private final boolean clearDesired;
    private final boolean clearReported;
    private final long expectedVersion;

    private ShadowUpdate(Builder b) {
        this.desired = b.desired;
        this.reported = b.reported;
        this.hasDesired = b.desired != null || b.clearDesired;
        this.hasReported = b.reported != null || b.clearReported;
        this.clearDesired = b.clearDesired;
        this.clearReported = b.clearReported;
        this.expectedVersion = b.expectedVersion;
    }

    /**
     * @param desired the desired state to merge
     * @return an update of the desired state only, without expected version
     * @throws InvalidRequestException if {@code desired} is {@code null} or holds a value without a JSON form
     */
    public static ShadowUpdate desired(Map<String, ?> desired) {
        return builder().desired(desired).build();
    }

    /**
     * @param reported the reported state to merge
     * @return an update of the reported state only, without expected version
     * @throws InvalidRequestException if {@code reported} is {@code null} or holds a value without a JSON form
     */
    public static ShadowUpdate reported(Map<String, ?> reported) {
        return builder().reported(reported).build();
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether the update carries a {@code desired} section (state to merge, or {@code null} to clear it) */
    public boolean hasDesired() {
        return hasDesired;
    }

    /** @return whether the update carries a {@code reported} section (state to merge, or {@code null} to clear it) */
    public boolean hasReported() {
        return hasReported;
    }

    /**
     * @return the desired state to merge (unmodifiable, may contain {@code null} values); empty when the
     *         update has no desired section or clears it
     */
    public Map<String, Object> desired() {
        return desired == null ? Map.of() : desired;
    }

    /**
     * @return the reported state to merge (unmodifiable, may contain {@code null} values); empty when the
     *         update has no reported section or clears it
     */
    public Map<String, Object> reported() {
        return reported == null ? Map.of() : reported;
    }

    /** @return whether the update deletes the whole desired section ({@code "desired": null}) */
    public boolean clearsDesired() {
        return clearDesired;
    }

    /** @return whether the update deletes the whole reported section ({@code "reported": null}) */
    public boolean clearsReported() {
        return clearReported;
    }

    /**
     * @return the version the shadow must have for the service to accept the update (it answers 409
     *         otherwise), or empty to update whatever the version
     */
    public OptionalLong expectedVersion() {
        return expectedVersion < 0 ? OptionalLong.empty() : OptionalLong.of(expectedVersion);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ShadowUpdate)) {
            return false;
        }
        ShadowUpdate u = (ShadowUpdate) o;
        return clearDesired == u.clearDesired && clearReported == u.clearReported && expectedVersion == u.expectedVersion
                && Objects.equals(desired, u.desired) && Objects.equals(reported, u.reported);
    }

    @Override
    public int hashCode() {
        return Objects.hash(desired, reported, clearDesired, clearReported, expectedVersion);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ShadowUpdate[");
        if (hasDesired) {
            sb.append("desired=").append(clearDesired ? "null" : desired.keySet()).append(' ');
        }
        if (hasReported) {
            sb.append("reported=").append(clearReported ? "null" : reported.keySet()).append(' ');
        }
        if (expectedVersion >= 0) {
            sb.append("version=").append(expectedVersion);
        }
        return sb.toString().trim() + "]";
    }

    /** Builds a {@link ShadowUpdate}; the maps given are copied deeply. */
    public static final class Builder {
        private Map<String, Object> desired;
        private Map<String, Object> reported;
        private boolean clearDesired;
        private boolean clearReported;
        private long expectedVersion = -1;

        private Builder() {
        }

        /**
         * @param desired desired state to merge; {@code null} values delete keys
         * @return this builder
         * @throws InvalidRequestException if {@code desired} is {@code null} or holds a value without a JSON form
         */
        public Builder desired(Map<String, ?> desired) {
            if (desired == null) {
                throw new InvalidRequestException("desired state is null; use clearDesired() to delete the desired section");
            }
            this.desired = JsonValues.copyObject(desired, "desired");
            this.clearDesired = false;
            return this;
        }

        /**
         * @param reported reported state to merge; {@code null} values delete keys
         * @return this builder
         * @throws InvalidRequestException if {@code reported} is {@code null} or holds a value without a JSON form
         */
        public Builder reported(Map<String, ?> reported) {
            if (reported == null) {
                throw new InvalidRequestException("reported state is null; use clearReported() to delete the reported section");
            }
            this.reported = JsonValues.copyObject(reported, "reported");
            this.clearReported = false;
            return this;
        }

        /** @return this builder, now deleting the whole desired section ({@code "desired": null}) */
        public Builder clearDesired() {
            this.desired = null;
            this.clearDesired = true;
            return this;
        }

        /** @return this builder, now deleting the whole reported section ({@code "reported": null}) */
        public Builder clearReported() {
            this.reported = null;
            this.clearReported = true;
            return this;
        }

        /**
         * @param version the version the shadow must have (optimistic locking); the service answers 409
         *                ({@link ShadowVersionConflictException}) when it differs
         * @return this builder
         * @throws InvalidRequestException for a negative version
         */
        public Builder expectedVersion(long version) {
            if (version < 0) {
                throw new InvalidRequestException("expected version " + version + " is negative");
            }
            this.expectedVersion = version;
            return this;
        }

        /**
         * @return the update
         * @throws InvalidRequestException if neither desired nor reported state was given
         */
        public ShadowUpdate build() {
            if (desired == null && reported == null && !clearDesired && !clearReported) {
                throw new InvalidRequestException("a shadow update needs desired and/or reported state");
            }
            return new ShadowUpdate(this);
        }
    }
}
