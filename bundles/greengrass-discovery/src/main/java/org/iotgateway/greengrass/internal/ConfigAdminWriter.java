package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the connection configuration through ConfigurationAdmin: found with
 * {@code listConfigurations("(&(service.factoryPid=org.iotgateway.mqtt.connection)(greengrass.discovery=<pid>))")},
 * created as a factory configuration bound to no bundle location ({@code "?"}, so the mqtt bundle receives it),
 * updated only when a property actually changes (an unchanged update would reconnect the connection for nothing).
 * Should several configurations carry the marker, the first (by PID) is kept and the others deleted, so there is
 * never more than one connection with the configured id from this component.
 */
final class ConfigAdminWriter implements ConnectionConfigurationWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigAdminWriter.class);
    private static final String FACTORY_PID_KEY = "service.factoryPid";
    private static final String BUNDLE_LOCATION_KEY = "service.bundleLocation";

    private final ConfigurationAdmin admin;

    ConfigAdminWriter(ConfigurationAdmin admin) {
        this.admin = admin;
    }

    @Override
    public boolean write(String marker, Map<String, Object> properties) throws IOException {
        Configuration[] found = find(marker);
        Configuration target;
        Dictionary<String, Object> current;
        if (found.length == 0) {
            target = admin.createFactoryConfiguration(CONNECTION_FACTORY_PID, "?");
            current = null;
        } else {
            target = found[0];
            for (int i = 1; i < found.length; i++) {
                LOG.warn("Deleting duplicate connection configuration {} written for {}", found[i].getPid(), marker);
                found[i].delete();
            }
            current = target.getProperties();
        }
        Hashtable<String, Object> merged = new Hashtable<>();
        if (current != null) {
            for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                if (!isFrameworkKey(key)) {
                    merged.put(key, current.get(key));
                }
            }
        }
        Hashtable<String, Object> before = new Hashtable<>(merged);
        properties.forEach((k, v) -> merged.put(k, v));
        merged.put(MARKER, marker);
        if (current != null && sameContent(before, merged)) {
            return false;
        }
        target.update(merged);
        LOG.debug("{} connection configuration {}", current == null ? "Created" : "Updated", target.getPid());
        return true;
    }

    @Override
    public boolean delete(String marker) throws IOException {
        Configuration[] found = find(marker);
        for (Configuration c : found) {
            c.delete();
        }
        return found.length > 0;
    }

    private Configuration[] find(String marker) throws IOException {
        String filter = "(&(" + FACTORY_PID_KEY + "=" + CONNECTION_FACTORY_PID + ")(" + MARKER + "="
                + escape(marker) + "))";
        Configuration[] found;
        try {
            found = admin.listConfigurations(filter);
        } catch (InvalidSyntaxException e) {
            throw new IOException("invalid filter " + filter + ": " + e.getMessage(), e);
        }
        if (found == null) {
            return new Configuration[0];
        }
        Configuration[] sorted = found.clone();
        Arrays.sort(sorted, Comparator.comparing(Configuration::getPid));
        return sorted;
    }

    private static boolean isFrameworkKey(String key) {
        return Constants.SERVICE_PID.equals(key) || FACTORY_PID_KEY.equals(key) || BUNDLE_LOCATION_KEY.equals(key);
    }

    private static boolean sameContent(Map<String, Object> a, Map<String, Object> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> e : a.entrySet()) {
            Object x = e.getValue();
            Object y = b.get(e.getKey());
            if (x != null && y != null && x.getClass().isArray() && y.getClass().isArray()) {
                if (!Arrays.deepEquals(new Object[] { x }, new Object[] { y })) {
                    return false;
                }
            } else if (!Objects.equals(x, y)) {
                return false;
            }
        }
        return true;
    }

    /** Escapes an LDAP filter value (RFC 4515 as OSGi reads it). */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
