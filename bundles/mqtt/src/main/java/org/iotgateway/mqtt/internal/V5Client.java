package org.iotgateway.mqtt.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import javax.net.SocketFactory;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.MqttVersion;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.QoS;
import org.iotgateway.api.UserProperty;
import org.iotgateway.mqtt.internal.spool.MessageProperties;
import org.iotgateway.mqtt.internal.spool.SpooledMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ProtocolClient} on Paho's MQTT 5 asynchronous client (embedded privately in this bundle:
 * its public types live in packages Paho's own bundle does not export).
 * <p>
 * Paho assigns outbound topic aliases by itself: the first distinct topics published get aliases
 * 1 to the broker's Topic Alias Maximum (never more; none if the broker announces 0), later
 * publishes to those topics send the alias only. A fresh client per connection starts a fresh
 * alias table. Paho also never sends more unacknowledged QoS 1 publishes than the broker's Receive
 * Maximum; {@link MqttConnection} keeps its own window within that.
 */
final class V5Client implements ProtocolClient {

    private static final Logger LOG = LoggerFactory.getLogger(V5Client.class);
    /** Paho's code for a CONNACK it cannot read. */
    private static final int INVALID_RETURN_CODE = 50001;

    private final MqttAsyncClient client;
    private final MqttConnectionOptions options;
    private final ConnectionSettings settings;

    V5Client(ConnectionSettings s, SocketFactory socketFactory, String version, ScheduledExecutorService timer,
            Executor worker, Events events) throws MqttException {
        this.settings = s;
        // computed per attempt: a WebSocket URL is signed afresh with the current credentials
        this.client = new MqttAsyncClient(s.connectUri(), s.clientId, new MemoryPersistence(),
                KeepAliveTimer.createV5(timer, worker, s.connectionId), null);
        this.options = options(s, socketFactory, version);
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                MqttException e = response.getException();
                if (e != null) {
                    events.connectionLost(e, null);
                    return;
                }
                MqttReason reason = new MqttReason(response.getReturnCode() & 0xFF, response.getReasonString());
                events.connectionLost(new ServerDisconnect(reason, response.getServerReference()), reason);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                LOG.warn("Connection '{}': MQTT error: {}", s.connectionId, exception.toString());
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                IoTMessage message;
                try {
                    message = received(topic, m);
                } catch (RuntimeException e) {
                    LOG.warn("Connection '{}': ignoring a malformed incoming message on '{}': {}", s.connectionId, topic,
                            e.getMessage());
                    return;
                }
                events.messageArrived(message);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
                // publishes complete through their own action listeners
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                // reported through the connect action listener
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
                LOG.debug("Connection '{}': AUTH packet {} ignored", s.connectionId, reasonCode);
            }
        });
    }

    /** A DISCONNECT packet the broker sent. */
    static final class ServerDisconnect extends Exception {
        private static final long serialVersionUID = 1L;

        ServerDisconnect(MqttReason reason, String serverReference) {
            super("broker sent DISCONNECT " + reason + (serverReference == null ? "" : ", server reference " + serverReference));
        }
    }

    private static MqttConnectionOptions options(ConnectionSettings s, SocketFactory socketFactory, String version) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setAutomaticReconnect(false);
        o.setCleanStart(s.cleanSession);
        o.setSessionExpiryInterval(s.sessionExpirySeconds);
        o.setKeepAliveInterval(s.keepAliveSeconds);
        o.setConnectionTimeout(s.connectTimeoutSeconds);
        o.setTopicAliasMaximum(s.topicAliasMaximum);
        o.setRequestProblemInfo(true);
        // subscription identifiers are not used: a resumed session would deliver identifiers a new client does not know
        o.setUseSubscriptionIdentifiers(false);
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
        }
        o.setHttpsHostnameVerificationEnabled(s.transport.tls() && s.hostnameVerification);
        String user = s.effectiveUsername(version);
        if (user != null) {
            o.setUserName(user);
        }
        if (!s.password.isEmpty()) {
            o.setPassword(s.password.getBytes(StandardCharsets.UTF_8));
        }
        if (s.will != null) {
            MqttMessage will = new MqttMessage(s.will.payload.clone());
            will.setQos(s.will.qos.level());
            will.setRetained(s.will.retain);
            o.setWill(s.will.topic, will);
        }
        return o;
    }

    static IoTMessage received(String topic, MqttMessage m) {
        IoTMessage.Builder b = IoTMessage.builder(topic, m.getPayload())
                .qos(m.getQos() >= 1 ? QoS.AT_LEAST_ONCE : QoS.AT_MOST_ONCE)
                .retain(m.isRetained())
                .duplicate(m.isDuplicate());
        MqttProperties p = m.getProperties();
        if (p != null) {
            if (p.getMessageExpiryInterval() != null && p.getMessageExpiryInterval() > 0) {
                b.messageExpirySeconds(p.getMessageExpiryInterval());
            }
            for (org.eclipse.paho.mqttv5.common.packet.UserProperty u : p.getUserProperties()) {
                b.userProperty(u.getKey(), u.getValue());
            }
            b.contentType(p.getContentType());
            b.payloadFormatUtf8(p.getPayloadFormat());
            b.responseTopic(p.getResponseTopic());
            b.correlationData(p.getCorrelationData());
        }
        return b.build();
    }

    @Override
    public void connect(Result<NegotiatedSettings> result) throws MqttException {
        client.connect(options, null, new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                NegotiatedSettings negotiated;
                try {
                    negotiated = negotiated(token.getSessionPresent(), token.getResponseProperties());
                } catch (RuntimeException e) {
                    result.failure(e);
                    return;
                }
                result.success(negotiated);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                int code = ProtocolClient.libraryReasonCode(exception);
                if (code == INVALID_RETURN_CODE) {
                    // an MQTT 3.1.1 broker answers an MQTT 5 CONNECT with return code 1, which Paho cannot read
                    MqttReason reason = new MqttReason(0x84, null);
                    result.failure(new ConnectRefused("the broker does not accept MQTT 5 (its CONNACK is not an MQTT 5 "
                            + "one); set mqtt.version to 3.1.1 for it", reason, exception));
                } else if (code >= 0x80 && code <= 0xFF) {
                    MqttProperties p = token == null ? null : token.getResponseProperties();
                    MqttReason reason = new MqttReason(code, p == null ? null : p.getReasonString());
                    result.failure(new ConnectRefused("broker refused the connection: " + reason, reason, exception));
                } else {
                    result.failure(exception);
                }
            }
        });
    }

    private NegotiatedSettings negotiated(boolean sessionPresent, MqttProperties p) {
        String assigned = p == null ? null : p.getAssignedClientIdentifier();
        NegotiatedSettings.Builder b = NegotiatedSettings.builder(MqttVersion.MQTT_5, assigned != null ? assigned : settings.clientId)
                .clientIdAssigned(assigned != null)
                .sessionPresent(sessionPresent)
                .keepAlive(Duration.ofSeconds(settings.keepAliveSeconds))
                .sessionExpirySeconds(settings.sessionExpirySeconds);
        if (p == null) {
            return b.build();
        }
        if (p.getServerKeepAlive() != null) {
            b.keepAlive(Duration.ofSeconds(p.getServerKeepAlive()));
        }
        if (p.getSessionExpiryInterval() != null) {
            b.sessionExpirySeconds(p.getSessionExpiryInterval());
        }
        if (p.getMaximumQoS() != null) {
            b.maximumQos(p.getMaximumQoS() == 0 ? QoS.AT_MOST_ONCE : QoS.AT_LEAST_ONCE);
        }
        b.retainAvailable(p.isRetainAvailable() == null || p.isRetainAvailable());
        if (p.getReceiveMaximum() != null) {
            b.receiveMaximum(p.getReceiveMaximum());
        }
        if (p.getMaximumPacketSize() != null) {
            b.maximumPacketSize(p.getMaximumPacketSize());
        }
        if (p.getTopicAliasMaximum() != null) {
            b.topicAliasMaximum(p.getTopicAliasMaximum());
        }
        b.wildcardSubscriptionsAvailable(p.isWildcardSubscriptionsAvailable());
        b.sharedSubscriptionsAvailable(p.isSharedSubscriptionAvailable());
        b.subscriptionIdentifiersAvailable(p.isSubscriptionIdentifiersAvailable());
        b.serverReference(p.getServerReference());
        return b.build();
    }

    @Override
    public void publish(SpooledMessage m, long nowMillis, Result<MqttReason> result) throws MqttException {
        MqttMessage message = new MqttMessage(m.payload(), m.qos(), m.retain(), properties(m.properties(), nowMillis));
        client.publish(m.topic(), message, m, new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(failure(token));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                result.failure(exception);
            }
        });
    }

    /** @return the wire properties of a queued message; the expiry is what is left of it now */
    static MqttProperties properties(MessageProperties mp, long nowMillis) {
        MqttProperties p = new MqttProperties();
        if (mp == null) {
            return p;
        }
        if (mp.expiresAtMillis() >= 0) {
            long left = Math.max(1, (mp.expiresAtMillis() - nowMillis + 999) / 1000);
            p.setMessageExpiryInterval(left);
        }
        if (!mp.userProperties().isEmpty()) {
            List<org.eclipse.paho.mqttv5.common.packet.UserProperty> user = new ArrayList<>(mp.userProperties().size());
            for (UserProperty u : mp.userProperties()) {
                user.add(new org.eclipse.paho.mqttv5.common.packet.UserProperty(u.name(), u.value()));
            }
            p.setUserProperties(user);
        }
        if (mp.contentType() != null) {
            p.setContentType(mp.contentType());
        }
        if (mp.payloadFormatUtf8()) {
            p.setPayloadFormat(true);
        }
        if (mp.responseTopic() != null) {
            p.setResponseTopic(mp.responseTopic());
        }
        if (mp.correlationData() != null) {
            p.setCorrelationData(mp.correlationData());
        }
        return p;
    }

    /** @return the failure reason of an acknowledgement (first reason code 0x80 or above), or null */
    private static MqttReason failure(IMqttToken token) {
        int[] codes = token.getReasonCodes();
        if (codes == null || codes.length == 0 || codes[0] < 0x80) {
            return null;
        }
        MqttProperties p = token.getResponseProperties();
        return new MqttReason(codes[0] & 0xFF, p == null ? null : p.getReasonString());
    }

    @Override
    public void subscribe(String[] filters, int[] qos, Result<MqttReason[]> result) throws MqttException {
        MqttSubscription[] subscriptions = new MqttSubscription[filters.length];
        for (int i = 0; i < filters.length; i++) {
            subscriptions[i] = new MqttSubscription(filters[i], qos[i]);
        }
        MqttActionListener listener = new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(reasons(token, filters.length));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                if (token != null && token.getReasonCodes() != null && token.getReasonCodes().length == filters.length) {
                    result.success(reasons(token, filters.length));
                } else {
                    result.failure(exception);
                }
            }
        };
        try {
            client.subscribe(subscriptions, null, listener, new MqttProperties());
        } catch (IllegalArgumentException e) {
            // Paho checks filters against what the broker announced (wildcards, shared subscriptions)
            String text = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            int code = text.contains("shared") ? 0x9E : text.contains("wildcard") ? 0xA2 : 0x8F;
            MqttReason[] refused = new MqttReason[filters.length];
            for (int i = 0; i < refused.length; i++) {
                refused[i] = new MqttReason(code, "refused by the client: " + e.getMessage());
            }
            result.success(refused);
        }
    }

    private static MqttReason[] reasons(IMqttToken token, int n) {
        int[] codes = token.getReasonCodes();
        MqttProperties p = token.getResponseProperties();
        String reasonString = p == null ? null : p.getReasonString();
        MqttReason[] reasons = new MqttReason[n];
        for (int i = 0; i < n; i++) {
            int c = codes != null && i < codes.length ? codes[i] & 0xFF : 0x80;
            reasons[i] = new MqttReason(c, c >= 0x80 ? reasonString : null);
        }
        return reasons;
    }

    @Override
    public void unsubscribe(String filter, Result<MqttReason> result) throws MqttException {
        client.unsubscribe(new String[] { filter }, null, new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(failure(token));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                MqttReason reason = token == null ? null : failure(token);
                if (reason != null) {
                    result.success(reason);
                } else {
                    result.failure(exception);
                }
            }
        }, new MqttProperties());
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close(boolean graceful) {
        try {
            if (client.isConnected()) {
                if (graceful) {
                    client.disconnect(1000).waitForCompletion(2000);
                } else {
                    client.disconnectForcibly(0, 500, false);
                }
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("disconnect: {}", e.toString());
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("close: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "V5Client[" + settings.connectionId + "]";
    }
}
