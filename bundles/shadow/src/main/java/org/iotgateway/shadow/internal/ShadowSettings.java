package org.iotgateway.shadow.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.iotgateway.api.QoS;

/**
 * Validated settings of one shadow, from the configuration properties of the factory PID
 * {@value ShadowComponent#FACTORY_PID} ({@link #from(Map)}) or built directly for tests and benchmarks
 * ({@link #builder(String)}).
 */
public final class ShadowSettings {

    /** Property: the thing name. */
    public static final String THING_NAME = "thing.name";
    /** Property: the shadow name, empty for the classic shadow. */
    public static final String SHADOW_NAME = "shadow.name";
    /** Property: keep the shadow's subscriptions (true) or subscribe per request (false). */
    public static final String PERSISTENT_SUBSCRIPTIONS = "persistent.subscriptions";
    /** Property: QoS of shadow requests and subscriptions, 0 or 1. */
    public static final String QOS = "qos";
    /** Property: operation timeout in seconds. */
    public static final String OPERATION_TIMEOUT = "operation.timeout";
    /** Property: requests sent and not answered at most, per connection. */
    public static final String MAX_INFLIGHT = "max.inflight";

    static final boolean DEFAULT_PERSISTENT = true;
    static final int DEFAULT_QOS = 1;
    static final int DEFAULT_TIMEOUT_SECONDS = 10;
    static final int DEFAULT_MAX_INFLIGHT = 10;
    /** Largest accepted {@code max.inflight}: AWS IoT answers 429 beyond 10, other brokers may allow more. */
    static final int MAX_MAX_INFLIGHT = 1000;

    final String thingName;
    final String shadowName;
    final boolean persistent;
    final QoS qos;
    final Duration operationTimeout;
    final int maxInflight;

    private ShadowSettings(Builder b) {
        this.thingName = b.thingName;
        this.shadowName = b.shadowName;
        this.persistent = b.persistent;
        this.qos = b.qos;
        this.operationTimeout = b.operationTimeout;
        this.maxInflight = b.maxInflight;
    }

    /**
     * @param thingName the thing
     * @return a builder with the defaults: classic shadow, persistent subscriptions, QoS 1, 10 s timeout, 10 in flight
     */
    public static Builder builder(String thingName) {
        return new Builder(thingName);
    }

    /**
     * Reads configuration properties; values may be strings (e.g. from {@code .cfg} files) or typed.
     *
     * @param properties the configuration
     * @return the settings
     * @throws InvalidSettingException naming the property and what is wrong with it
     */
    public static ShadowSettings from(Map<String, ?> properties) {
        Builder b = new Builder(string(properties, THING_NAME, ""));
        b.shadowName(string(properties, SHADOW_NAME, ""));
        b.persistentSubscriptions(bool(properties, PERSISTENT_SUBSCRIPTIONS, DEFAULT_PERSISTENT));
        int qos = integer(properties, QOS, DEFAULT_QOS);
        if (qos != 0 && qos != 1) {
            throw new InvalidSettingException(QOS, qos + " is not a QoS AWS IoT supports; use 0 or 1");
        }
        b.qos(QoS.of(qos));
        int timeout = integer(properties, OPERATION_TIMEOUT, DEFAULT_TIMEOUT_SECONDS);
        if (timeout < 1) {
            throw new InvalidSettingException(OPERATION_TIMEOUT, timeout + " s is too short; at least 1 s");
        }
        b.operationTimeout(Duration.ofSeconds(timeout));
        b.maxInflight(integer(properties, MAX_INFLIGHT, DEFAULT_MAX_INFLIGHT));
        return b.build();
    }

    private static String string(Map<String, ?> p, String key, String def) {
        Object v = p.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String[]) {
            String[] a = (String[]) v;
            if (a.length != 1) {
                throw new InvalidSettingException(key, "expected one value, got " + a.length);
            }
            v = a[0];
        }
        return String.valueOf(v).trim();
    }

    private static int integer(Map<String, ?> p, String key, int def) {
        Object v = p.get(key);
        if (v == null || String.valueOf(v).trim().isEmpty()) {
            return def;
        }
        if (v instanceof Number) {
            return ((Number) v).intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(key, "'" + v + "' is not a whole number");
        }
    }

    private static boolean bool(Map<String, ?> p, String key, boolean def) {
        Object v = p.get(key);
        if (v == null || String.valueOf(v).trim().isEmpty()) {
            return def;
        }
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        String s = String.valueOf(v).trim();
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new InvalidSettingException(key, "'" + v + "' is neither true nor false");
    }

    /** @return the thing name */
    public String thingName() {
        return thingName;
    }

    /** @return the shadow name, empty for the classic shadow */
    public String shadowName() {
        return shadowName;
    }

    ShadowKey key() {
        return new ShadowKey(thingName, shadowName);
    }

    /** @return whether names, QoS, timeout and window are the same */
    boolean sameAs(ShadowSettings o) {
        return thingName.equals(o.thingName) && shadowName.equals(o.shadowName) && persistent == o.persistent && qos == o.qos
                && operationTimeout.equals(o.operationTimeout) && maxInflight == o.maxInflight;
    }

    @Override
    public String toString() {
        return "ShadowSettings[thing=" + thingName + ", shadow=" + (shadowName.isEmpty() ? "(classic)" : shadowName)
                + ", persistent=" + persistent + ", qos=" + qos.level() + ", timeout=" + operationTimeout.toMillis()
                + "ms, maxInflight=" + maxInflight + "]";
    }

    /** Builds validated settings. */
    public static final class Builder {
        private final String thingName;
        private String shadowName = "";
        private boolean persistent = DEFAULT_PERSISTENT;
        private QoS qos = QoS.of(DEFAULT_QOS);
        private Duration operationTimeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
        private int maxInflight = DEFAULT_MAX_INFLIGHT;

        private Builder(String thingName) {
            this.thingName = thingName;
        }

        /**
         * @param shadowName a named shadow, or empty (or {@code null}) for the classic shadow
         * @return this builder
         */
        public Builder shadowName(String shadowName) {
            this.shadowName = shadowName == null ? "" : shadowName;
            return this;
        }

        /**
         * @param persistent true: subscribe once and keep the subscriptions; false: subscribe while requests are pending
         *                   (or listeners attached)
         * @return this builder
         */
        public Builder persistentSubscriptions(boolean persistent) {
            this.persistent = persistent;
            return this;
        }

        /**
         * @param qos QoS of requests and subscriptions
         * @return this builder
         */
        public Builder qos(QoS qos) {
            this.qos = Objects.requireNonNull(qos, "qos");
            return this;
        }

        /**
         * @param timeout how long a request may take, from the call to the reply
         * @return this builder
         */
        public Builder operationTimeout(Duration timeout) {
            this.operationTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * @param maxInflight requests sent and not yet answered at most (per connection: the smallest value of the
         *                    shadows sharing a connection applies)
         * @return this builder
         */
        public Builder maxInflight(int maxInflight) {
            this.maxInflight = maxInflight;
            return this;
        }

        /**
         * @return the settings
         * @throws InvalidSettingException naming the property and what is wrong with it
         */
        public ShadowSettings build() {
            String problem = ShadowTopics.checkThingName(thingName);
            if (problem != null) {
                throw new InvalidSettingException(THING_NAME, problem);
            }
            problem = ShadowTopics.checkShadowName(shadowName);
            if (problem != null) {
                throw new InvalidSettingException(SHADOW_NAME, problem);
            }
            if (operationTimeout.isNegative() || operationTimeout.isZero()) {
                throw new InvalidSettingException(OPERATION_TIMEOUT, "must be positive, not " + operationTimeout);
            }
            if (maxInflight < 1 || maxInflight > MAX_MAX_INFLIGHT) {
                throw new InvalidSettingException(MAX_INFLIGHT, maxInflight + " is out of range 1.." + MAX_MAX_INFLIGHT
                        + " (AWS IoT allows 10 shadow requests in flight per connection)");
            }
            return new ShadowSettings(this);
        }
    }
}
