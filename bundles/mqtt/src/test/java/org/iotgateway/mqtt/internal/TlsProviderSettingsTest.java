package org.iotgateway.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.iotgateway.tls.SafeSocketFactory;
import org.junit.jupiter.api.Test;

/** {@code tls.provider.target}: TLS material from a TlsContextProvider service instead of files. */
class TlsProviderSettingsTest {

    private static final String TARGET = "(kura.service.pid=org.eclipse.kura.ssl.SslManagerService)";

    private static Map<String, Object> provided(String transport, int port) {
        Map<String, Object> m = new HashMap<>();
        m.put("transport", transport);
        m.put("endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
        m.put("port", port);
        m.put("thing.name", "thing-1");
        m.put("tls.provider.target", TARGET);
        return m;
    }

    private static ConnectionSettings settings(Map<String, Object> m) {
        return ConnectionSettings.from(ConfigProxy.connection(m));
    }

    @Test
    void aProviderReplacesTheCertificateFiles() {
        ConnectionSettings s = settings(provided("mqtts", 8883));
        assertEquals(TARGET, s.tlsProviderTarget);
    }

    @Test
    void filesAndAProviderTogetherAreRefusedNamingTheSetting() {
        for (String file : new String[] { "ca.file", "cert.file", "keystore.file" }) {
            Map<String, Object> m = provided("mqtts", 8883);
            m.put(file, "/etc/iot/x.pem");
            if (file.equals("cert.file")) {
                m.put("key.file", "/etc/iot/k.pem");
            }
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> settings(m));
            assertEquals("tls.provider.target", e.property(), e.getMessage());
            assertTrue(e.getMessage().contains("leave ca.file, cert.file, key.file and keystore.file empty"),
                    e.getMessage());
        }
    }

    @Test
    void withoutTheProvidersContextThereIsNoSocketFactory() {
        ConnectionSettings s = settings(provided("mqtts", 8883));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> TlsSetup.socketFactory(s));
        assertEquals("tls.provider.target", e.property());
        assertTrue(e.getMessage().contains(TARGET), e.getMessage());
    }

    @Test
    void theProvidedContextKeepsTheConnectionsTlsSettingsAndAlpn() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        Map<String, Object> m = provided("mqtts-alpn-443", 443);
        m.put("tls.protocols", "TLSv1.2");
        SocketFactory f = TlsSetup.socketFactory(settings(m), context);
        SafeSocketFactory safe = (SafeSocketFactory) f;
        assertEquals(List.of("TLSv1.2"), safe.protocols());
        assertEquals(List.of("x-amzn-mqtt-ca"), safe.applicationProtocols());
        assertTrue(safe.hostnameVerification());
    }

    @Test
    void plainTcpIgnoresTheProvider() {
        Map<String, Object> m = provided("tcp", 1883);
        SocketFactory f = TlsSetup.socketFactory(settings(m), null);
        assertTrue(!(f instanceof SafeSocketFactory));
    }
}
