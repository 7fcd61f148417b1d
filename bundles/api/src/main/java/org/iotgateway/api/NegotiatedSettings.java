package org.iotgateway.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The values in force for one established connection: what the client asked for, adjusted by the
 * broker's CONNACK and by protocol defaults. On MQTT 3.1.1 the broker announces nothing, so every
 * limit is the protocol's (maximum QoS 1 of those this API offers, receive maximum 65,535, no topic aliases, maximum packet
 * size 268,435,455) except keep-alive, session present and client id.
 */
public final class NegotiatedSettings {

    /** The largest packet MQTT allows (256 MiB - 1), the default maximum packet size. */
    public static final long PROTOCOL_MAXIMUM_PACKET_SIZE = 268_435_455L;

    private final MqttVersion protocol;
    private final String clientId;
    private final boolean clientIdAssigned;
    private final Duration keepAlive;
    private final boolean sessionPresent;
    private final long sessionExpirySeconds;
    private final QoS maximumQos;
    private final boolean retainAvailable;
    private final int receiveMaximum;
    private final long maximumPacketSize;
    private final int topicAliasMaximum;
    private final boolean wildcardSubscriptionsAvailable;
    private final boolean sharedSubscriptionsAvailable;
    private final boolean subscriptionIdentifiersAvailable;
    private final String serverReference;

    private NegotiatedSettings(Builder b) {
        this.protocol = Objects.requireNonNull(b.protocol, "protocol");
        this.clientId = Objects.requireNonNull(b.clientId, "clientId");
        this.clientIdAssigned = b.clientIdAssigned;
        this.keepAlive = Objects.requireNonNull(b.keepAlive, "keepAlive");
        this.sessionPresent = b.sessionPresent;
        this.sessionExpirySeconds = b.sessionExpirySeconds;
        this.maximumQos = Objects.requireNonNull(b.maximumQos, "maximumQos");
        this.retainAvailable = b.retainAvailable;
        this.receiveMaximum = b.receiveMaximum;
        this.maximumPacketSize = b.maximumPacketSize;
        this.topicAliasMaximum = b.topicAliasMaximum;
        this.wildcardSubscriptionsAvailable = b.wildcardSubscriptionsAvailable;
        this.sharedSubscriptionsAvailable = b.sharedSubscriptionsAvailable;
        this.subscriptionIdentifiersAvailable = b.subscriptionIdentifiersAvailable;
        this.serverReference = b.serverReference;
    }

    /**
     * @param protocol the protocol version of the connection
     * @param clientId the client id in use (the configured one, or the one the broker assigned)
     * @return a builder preset with the protocol defaults
     */
    public static Builder builder(MqttVersion protocol, String clientId) {
        return new Builder(protocol, clientId);
    }

    /** @return the protocol version */
    public MqttVersion protocol() {
        return protocol;
    }

    /** @return the client id in use */
    public String clientId() {
        return clientId;
    }

    /** @return whether the broker assigned the client id (MQTT 5, empty client id requested) */
    public boolean clientIdAssigned() {
        return clientIdAssigned;
    }

    /** @return the keep-alive in force (the broker's Server Keep Alive if it sent one) */
    public Duration keepAlive() {
        return keepAlive;
    }

    /** @return whether the broker resumed an existing session */
    public boolean sessionPresent() {
        return sessionPresent;
    }

    /** @return the session expiry interval in force, in seconds; 0 ends the session with the connection */
    public long sessionExpirySeconds() {
        return sessionExpirySeconds;
    }

    /** @return the highest QoS the broker accepts, of those this API offers (0 and 1) */
    public QoS maximumQos() {
        return maximumQos;
    }

    /** @return whether the broker accepts retained messages */
    public boolean retainAvailable() {
        return retainAvailable;
    }

    /** @return how many QoS 1 and 2 publishes the broker accepts in flight from this client */
    public int receiveMaximum() {
        return receiveMaximum;
    }

    /** @return the largest packet the broker accepts, in bytes */
    public long maximumPacketSize() {
        return maximumPacketSize;
    }

    /** @return how many topic aliases the broker accepts from this client; 0 means none */
    public int topicAliasMaximum() {
        return topicAliasMaximum;
    }

    /** @return whether the broker accepts wildcard subscriptions */
    public boolean wildcardSubscriptionsAvailable() {
        return wildcardSubscriptionsAvailable;
    }

    /** @return whether the broker accepts shared subscriptions ({@code $share/...}) */
    public boolean sharedSubscriptionsAvailable() {
        return sharedSubscriptionsAvailable;
    }

    /** @return whether the broker accepts subscription identifiers */
    public boolean subscriptionIdentifiersAvailable() {
        return subscriptionIdentifiersAvailable;
    }

    /** @return another server the broker suggested (Server Reference), if any */
    public Optional<String> serverReference() {
        return Optional.ofNullable(serverReference);
    }

    @Override
    public String toString() {
        return "NegotiatedSettings[" + protocol + ", clientId=" + clientId + (clientIdAssigned ? " (assigned)" : "")
                + ", keepAlive=" + keepAlive.getSeconds() + "s, sessionPresent=" + sessionPresent
                + ", sessionExpiry=" + sessionExpirySeconds + "s, maximumQos=" + maximumQos.level()
                + ", retainAvailable=" + retainAvailable + ", receiveMaximum=" + receiveMaximum
                + ", maximumPacketSize=" + maximumPacketSize + ", topicAliasMaximum=" + topicAliasMaximum
                + ", wildcard=" + wildcardSubscriptionsAvailable + ", shared=" + sharedSubscriptionsAvailable
                + ", subscriptionIds=" + subscriptionIdentifiersAvailable
                + (serverReference == null ? "" : ", serverReference=" + serverReference) + "]";
    }

    /** Builds {@link NegotiatedSettings}; starts from the protocol defaults. */
    public static final class Builder {
        private final MqttVersion protocol;
        private final String clientId;
        private boolean clientIdAssigned;
        private Duration keepAlive = Duration.ofSeconds(60);
        private boolean sessionPresent;
        private long sessionExpirySeconds;
        private QoS maximumQos = QoS.AT_LEAST_ONCE;
        private boolean retainAvailable = true;
        private int receiveMaximum = 65_535;
        private long maximumPacketSize = PROTOCOL_MAXIMUM_PACKET_SIZE;
        private int topicAliasMaximum;
        private boolean wildcardSubscriptionsAvailable = true;
        private boolean sharedSubscriptionsAvailable;
        private boolean subscriptionIdentifiersAvailable;
        private String serverReference;

        private Builder(MqttVersion protocol, String clientId) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            boolean v5 = protocol == MqttVersion.MQTT_5;
            this.sharedSubscriptionsAvailable = v5;
            this.subscriptionIdentifiersAvailable = v5;
        }

        /** @param value whether the broker assigned the client id @return this */
        public Builder clientIdAssigned(boolean value) {
            clientIdAssigned = value;
            return this;
        }

        /** @param value the keep-alive in force @return this */
        public Builder keepAlive(Duration value) {
            keepAlive = Objects.requireNonNull(value, "keepAlive");
            return this;
        }

        /** @param value whether a session was resumed @return this */
        public Builder sessionPresent(boolean value) {
            sessionPresent = value;
            return this;
        }

        /** @param value the session expiry interval in seconds @return this */
        public Builder sessionExpirySeconds(long value) {
            sessionExpirySeconds = value;
            return this;
        }

        /** @param value the highest QoS the broker accepts @return this */
        public Builder maximumQos(QoS value) {
            maximumQos = Objects.requireNonNull(value, "maximumQos");
            return this;
        }

        /** @param value whether retain is available @return this */
        public Builder retainAvailable(boolean value) {
            retainAvailable = value;
            return this;
        }

        /** @param value the broker's receive maximum @return this */
        public Builder receiveMaximum(int value) {
            receiveMaximum = value;
            return this;
        }

        /** @param value the broker's maximum packet size in bytes @return this */
        public Builder maximumPacketSize(long value) {
            maximumPacketSize = value;
            return this;
        }

        /** @param value the broker's topic alias maximum @return this */
        public Builder topicAliasMaximum(int value) {
            topicAliasMaximum = value;
            return this;
        }

        /** @param value whether wildcard subscriptions are available @return this */
        public Builder wildcardSubscriptionsAvailable(boolean value) {
            wildcardSubscriptionsAvailable = value;
            return this;
        }

        /** @param value whether shared subscriptions are available @return this */
        public Builder sharedSubscriptionsAvailable(boolean value) {
            sharedSubscriptionsAvailable = value;
            return this;
        }

        /** @param value whether subscription identifiers are available @return this */
        public Builder subscriptionIdentifiersAvailable(boolean value) {
            subscriptionIdentifiersAvailable = value;
            return this;
        }

        /** @param value the Server Reference the broker sent, or {@code null} @return this */
        public Builder serverReference(String value) {
            serverReference = value;
            return this;
        }

        /** @return the settings */
        public NegotiatedSettings build() {
            return new NegotiatedSettings(this);
        }
    }
}
