package org.iotgateway.mqtt.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import javax.net.SocketFactory;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.iotgateway.api.IoTMessage;
import org.iotgateway.api.MqttReason;
import org.iotgateway.api.NegotiatedSettings;
import org.iotgateway.api.QoS;
import org.iotgateway.mqtt.internal.spool.SpooledMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ProtocolClient} on Paho's MQTT 3.1.1 asynchronous client. */
final class V3Client implements ProtocolClient {

    private static final Logger LOG = LoggerFactory.getLogger(V3Client.class);
    private static final int SUBACK_FAILURE = 0x80;

    private final MqttAsyncClient client;
    private final MqttConnectOptions options;
    private final ConnectionSettings settings;

    V3Client(ConnectionSettings s, SocketFactory socketFactory, String version, int maxInflight,
            ScheduledExecutorService timer, Executor worker, Events events) throws MqttException {
        this.settings = s;
        // computed per attempt: a WebSocket URL is signed afresh with the current credentials
        this.client = new MqttAsyncClient(s.connectUri(), s.clientId, new MemoryPersistence(),
                KeepAliveTimer.create(timer, worker, s.connectionId));
        this.options = options(s, socketFactory, version, maxInflight);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                events.connectionLost(cause, null);
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
                IoTMessage message;
                try {
                    message = IoTMessage.received(topic, m.getPayload(), m.getQos() >= 1 ? QoS.AT_LEAST_ONCE : QoS.AT_MOST_ONCE,
                            m.isRetained(), m.isDuplicate());
                } catch (RuntimeException e) {
                    LOG.warn("Connection '{}': ignoring a malformed incoming message on '{}': {}", s.connectionId, topic,
                            e.getMessage());
                    return;
                }
                events.messageArrived(message);
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
                // publishes complete through their own action listeners
            }
        });
    }

    private static MqttConnectOptions options(ConnectionSettings s, SocketFactory socketFactory, String version, int maxInflight) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setAutomaticReconnect(false);
        o.setCleanSession(s.cleanSession);
        o.setKeepAliveInterval(s.keepAliveSeconds);
        o.setConnectionTimeout(s.connectTimeoutSeconds);
        o.setMaxInflight(maxInflight);
        if (socketFactory != null) {
            o.setSocketFactory(socketFactory);
        }
        o.setHttpsHostnameVerificationEnabled(s.transport.tls() && s.hostnameVerification);
        String user = s.effectiveUsername(version);
        if (user != null) {
            o.setUserName(user);
        }
        if (!s.password.isEmpty()) {
            o.setPassword(s.password.toCharArray());
        }
        if (s.will != null) {
            o.setWill(s.will.topic, s.will.payload, s.will.qos.level(), s.will.retain);
        }
        return o;
    }

    @Override
    public void connect(Result<NegotiatedSettings> result) throws MqttException {
        client.connect(options, null, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(MqttConnection.negotiated311(settings, token.getSessionPresent()));
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                MqttReason reason = connackReason(exception);
                result.failure(reason == null ? exception
                        : new ConnectRefused("broker refused the connection: " + reason, reason, exception));
            }
        });
    }

    /** @return the MQTT 5 reason of a refused MQTT 3.1.1 CONNACK (return codes 1-5), or null */
    static MqttReason connackReason(Throwable t) {
        if (!(t instanceof MqttException)) {
            return null;
        }
        switch (((MqttException) t).getReasonCode()) {
            case 1: return new MqttReason(0x84, null); // unacceptable protocol version
            case 2: return new MqttReason(0x85, null); // identifier rejected
            case 3: return new MqttReason(0x88, null); // server unavailable
            case 4: return new MqttReason(0x86, null); // bad user name or password
            case 5: return new MqttReason(0x87, null); // not authorized
            default: return null;
        }
    }

    @Override
    public void publish(SpooledMessage m, long nowMillis, Result<MqttReason> result) throws MqttException {
        client.publish(m.topic(), new OutgoingMessage(m), m, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(null);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                result.failure(exception);
            }
        });
    }

    @Override
    public void subscribe(String[] filters, int[] qos, Result<MqttReason[]> result) throws MqttException {
        client.subscribe(filters, qos, null, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                int[] granted = token.getGrantedQos();
                MqttReason[] reasons = new MqttReason[filters.length];
                for (int i = 0; i < reasons.length; i++) {
                    int g = granted != null && i < granted.length ? granted[i] : SUBACK_FAILURE;
                    reasons[i] = new MqttReason(g & 0xFF, null);
                }
                result.success(reasons);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                result.failure(exception);
            }
        });
    }

    @Override
    public void unsubscribe(String filter, Result<MqttReason> result) throws MqttException {
        client.unsubscribe(filter, null, new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                result.success(null);
            }

            @Override
            public void onFailure(IMqttToken token, Throwable exception) {
                result.failure(exception);
            }
        });
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
}
