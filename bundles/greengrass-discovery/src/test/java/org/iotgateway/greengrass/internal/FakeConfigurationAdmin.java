package org.iotgateway.greengrass.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * An in-memory ConfigurationAdmin with the behaviour the writer relies on: factory configurations get generated
 * PIDs, {@code getProperties()} returns a copy including {@code service.pid} and {@code service.factoryPid} (null
 * before the first update), {@code listConfigurations} matches LDAP filters and skips never-updated configurations,
 * and {@code update} counts as a change.
 */
final class FakeConfigurationAdmin {

    /** What is stored for one configuration. */
    static final class Stored {
        final String pid;
        final String factoryPid;
        final String location;
        volatile Hashtable<String, Object> properties;
        volatile int updates;

        Stored(String pid, String factoryPid, String location) {
            this.pid = pid;
            this.factoryPid = factoryPid;
            this.location = location;
        }
    }

    final Map<String, Stored> store = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final AtomicInteger counter = new AtomicInteger();

    ConfigurationAdmin admin() {
        return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { ConfigurationAdmin.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "createFactoryConfiguration": {
                            String factoryPid = (String) args[0];
                            String pid = factoryPid + "." + counter.incrementAndGet();
                            Stored s = new Stored(pid, factoryPid, args.length > 1 ? (String) args[1] : null);
                            store.put(pid, s);
                            return configuration(s);
                        }
                        case "listConfigurations": {
                            Filter filter = args[0] == null ? null : FrameworkUtil.createFilter((String) args[0]);
                            List<Configuration> found = new ArrayList<>();
                            for (Stored s : store.values()) {
                                if (s.properties != null && (filter == null || filter.matches(withIds(s)))) {
                                    found.add(configuration(s));
                                }
                            }
                            return found.isEmpty() ? null : found.toArray(new Configuration[0]);
                        }
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** Adds a configuration as if created elsewhere (e.g. by an administrator). */
    Stored add(String factoryPid, Map<String, Object> properties) {
        String pid = factoryPid + "." + counter.incrementAndGet();
        Stored s = new Stored(pid, factoryPid, "?");
        s.properties = new Hashtable<>(properties);
        store.put(pid, s);
        return s;
    }

    private static Map<String, Object> withIds(Stored s) {
        Map<String, Object> m = new HashMap<>(s.properties);
        m.put("service.pid", s.pid);
        if (s.factoryPid != null) {
            m.put("service.factoryPid", s.factoryPid);
        }
        return m;
    }

    private Configuration configuration(Stored s) {
        return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { Configuration.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getPid":
                            return s.pid;
                        case "getFactoryPid":
                            return s.factoryPid;
                        case "getBundleLocation":
                            return s.location;
                        case "getProperties":
                            return s.properties == null ? null : new Hashtable<>(withIds(s));
                        case "update":
                            if (args == null || args.length == 0) {
                                return null;
                            }
                            @SuppressWarnings("unchecked")
                            Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                            Hashtable<String, Object> copy = new Hashtable<>();
                            for (Enumeration<String> keys = d.keys(); keys.hasMoreElements();) {
                                String k = keys.nextElement();
                                if (!k.equals("service.pid") && !k.equals("service.factoryPid")) {
                                    copy.put(k, d.get(k));
                                }
                            }
                            s.properties = copy;
                            s.updates++;
                            return null;
                        case "delete":
                            store.remove(s.pid);
                            return null;
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return s.pid.hashCode();
                        case "toString":
                            return "Configuration[" + s.pid + "]";
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
