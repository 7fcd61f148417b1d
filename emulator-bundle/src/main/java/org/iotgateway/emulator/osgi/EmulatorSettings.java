package org.iotgateway.emulator.osgi;

import java.lang.reflect.Array;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.iotgateway.emulator.Emulator;
import org.iotgateway.emulator.KeyAlgorithm;

/**
 * The emulator component's configuration, checked: every problem is reported naming the property, the value (cut
 * short) and what is expected, so a broken {@code .cfg} file is easy to fix.
 */
final class EmulatorSettings {

    static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    static final Pattern SERVER_NAME = Pattern.compile("[a-zA-Z0-9.:-]{1,253}");
    static final int MAX_DEVICES = 100;
    static final int MAX_HOST_LENGTH = 253;

    final String host;
    final int mqttPort;
    final int tlsPort;
    final int websocketPort;
    final int discoveryPort;
    final int adminPort;
    /** null: the bundle's data area. */
    final Path certificateDirectory;
    final List<String> devices;
    final List<String> serverNames;
    final KeyAlgorithm keyAlgorithm;

    private EmulatorSettings(Map<String, ?> c) {
        host = host(c.get("host"));
        mqttPort = port(c, "mqtt.port", 1883);
        tlsPort = port(c, "tls.port", 8883);
        websocketPort = port(c, "websocket.port", -1);
        discoveryPort = port(c, "discovery.port", -1);
        adminPort = port(c, "admin.port", -1);
        certificateDirectory = directory(c.get("certificate.directory"));
        devices = names(c, "devices", List.of("gateway-1"), THING_NAME, "a thing name of 1-128 characters a-z A-Z 0-9 : _ -");
        if (devices.size() > MAX_DEVICES) {
            throw new IllegalArgumentException("devices: " + devices.size() + " things; at most " + MAX_DEVICES);
        }
        serverNames = names(c, "server.names", List.of(), SERVER_NAME, "a DNS name or IP address");
        keyAlgorithm = keyAlgorithm(c.get("key.algorithm"));
        if (mqttPort < 0 && tlsPort < 0 && websocketPort < 0) {
            throw new IllegalArgumentException("mqtt.port, tls.port, websocket.port: every MQTT listener is disabled (-1)");
        }
    }

    /**
     * @throws IllegalArgumentException naming the property and the problem
     */
    static EmulatorSettings from(Map<String, ?> configuration) {
        return new EmulatorSettings(configuration);
    }

    Emulator.Builder builder(Path defaultCertificateDirectory) {
        Emulator.Builder b = Emulator.builder().host(host).mqttPort(mqttPort).tlsPort(tlsPort)
                .websocketPort(websocketPort).discoveryPort(discoveryPort).adminPort(adminPort)
                .certificateDirectory(certificateDirectory != null ? certificateDirectory : defaultCertificateDirectory)
                .devices(devices.toArray(String[]::new)).keyAlgorithm(keyAlgorithm);
        serverNames.forEach(b::serverName);
        return b;
    }

    private static String host(Object value) {
        String h = value == null ? "127.0.0.1" : value.toString().trim();
        if (h.isEmpty()) {
            throw new IllegalArgumentException("host: empty; expected an IP address or host name such as 127.0.0.1");
        }
        if (h.length() > MAX_HOST_LENGTH || !SERVER_NAME.matcher(h).matches()) {
            throw new IllegalArgumentException("host: '" + shorten(h) + "' is not an IP address or host name");
        }
        return h;
    }

    private static int port(Map<String, ?> c, String key, int defaultValue) {
        Object v = c.get(key);
        if (v == null || v.toString().trim().isEmpty()) {
            return defaultValue;
        }
        long p;
        if (v instanceof Number && !(v instanceof Double) && !(v instanceof Float)) {
            p = ((Number) v).longValue();
        } else {
            try {
                p = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": '" + shorten(v.toString())
                        + "' is not a port number (-1 disabled, 0 any free port, 1-65535)");
            }
        }
        if (p < -1 || p > 65535) {
            throw new IllegalArgumentException(key + ": " + p + " is out of range (-1 disabled, 0 any free port, 1-65535)");
        }
        return (int) p;
    }

    private static Path directory(Object value) {
        String d = value == null ? "" : value.toString().trim();
        if (d.isEmpty()) {
            return null;
        }
        if (d.indexOf('\0') >= 0 || d.length() > 4096) {
            throw new IllegalArgumentException("certificate.directory: not a usable path");
        }
        try {
            return Path.of(d).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("certificate.directory: '" + shorten(d) + "' is not a valid path: "
                    + e.getReason());
        }
    }

    private static List<String> names(Map<String, ?> c, String key, List<String> defaultValue, Pattern pattern,
            String expected) {
        Object v = c.get(key);
        if (v == null) {
            return defaultValue;
        }
        List<String> raw = new ArrayList<>();
        if (v instanceof String) {
            // a .cfg file has no arrays: a comma-separated list
            for (String s : ((String) v).split(",")) {
                raw.add(s);
            }
        } else if (v.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(v); i++) {
                raw.add(String.valueOf(Array.get(v, i)));
            }
        } else if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) {
                raw.add(String.valueOf(o));
            }
        } else {
            raw.add(v.toString());
        }
        Set<String> names = new LinkedHashSet<>();
        for (String s : raw) {
            String n = s.trim();
            if (n.isEmpty()) {
                continue;
            }
            if (!pattern.matcher(n).matches()) {
                throw new IllegalArgumentException(key + ": '" + shorten(n) + "' is not " + expected);
            }
            names.add(n);
        }
        return List.copyOf(names);
    }

    private static KeyAlgorithm keyAlgorithm(Object value) {
        String k = value == null ? "" : value.toString().trim();
        if (k.isEmpty()) {
            return KeyAlgorithm.EC_P256;
        }
        try {
            return KeyAlgorithm.valueOf(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key.algorithm: '" + shorten(k) + "' is not EC_P256 or RSA_2048");
        }
    }

    /** A value fit for a log line: at most 64 characters, control characters replaced. */
    static String shorten(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            sb.append(Character.isISOControl(ch) ? '?' : ch);
        }
        return sb.toString();
    }
}
