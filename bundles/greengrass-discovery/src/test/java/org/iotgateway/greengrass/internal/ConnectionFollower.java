package org.iotgateway.greengrass.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.mqtt.internal.Connections;

/**
 * Stands in for ConfigurationAdmin plus the mqtt bundle: every written configuration opens a real connection with
 * exactly those properties ({@link Connections#open}), replacing the previous one, and {@link #app()} is what an app
 * bound with {@code (connection.id=greengrass)} holds: an {@link IoTConnection} that stays the same object while the
 * configuration underneath changes (as the mqtt bundle's service does when its configuration is updated).
 */
final class ConnectionFollower implements ConnectionConfigurationWriter, AutoCloseable {

    final List<Map<String, Object>> writes = new CopyOnWriteArrayList<>();
    final List<String> deletes = new CopyOnWriteArrayList<>();
    private volatile Connections.Standalone current;
    private Map<String, Object> stored;

    @Override
    public synchronized boolean write(String marker, Map<String, Object> properties) {
        Map<String, Object> next = new LinkedHashMap<>(properties);
        if (next.equals(stored)) {
            return false;
        }
        stored = next;
        writes.add(next);
        Map<String, Object> open = new HashMap<>(next);
        open.put("reconnect.backoff.base.ms", 100L);
        open.put("reconnect.backoff.max.ms", 400L);
        open.put("queue.drain.frequency", 0.0);
        Connections.Standalone previous = current;
        current = Connections.open(open);
        if (previous != null) {
            previous.close();
        }
        return true;
    }

    @Override
    public synchronized boolean delete(String marker) {
        deletes.add(marker);
        close();
        return stored != null;
    }

    /** The state of the current connection, empty while there is none (as the engine sees it through OSGi). */
    Optional<ConnectionState> state() {
        Connections.Standalone c = current;
        return c == null ? Optional.empty() : Optional.of(c.state());
    }

    Map<String, Object> last() {
        return writes.get(writes.size() - 1);
    }

    /** The connection as an app holds it. */
    IoTConnection app() {
        return (IoTConnection) Proxy.newProxyInstance(IoTConnection.class.getClassLoader(),
                new Class<?>[] { IoTConnection.class }, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("equals") ? proxy == args[0]
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "app connection";
                    }
                    Connections.Standalone c = current;
                    if (c == null) {
                        throw new IllegalStateException("no connection configured yet");
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
