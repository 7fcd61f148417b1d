package org.iotgateway.mqtt.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import javax.net.SocketFactory;

import org.iotgateway.api.IoTConnection;
import org.iotgateway.mqtt.internal.spool.DiskSpool;
import org.iotgateway.mqtt.internal.spool.MemorySpool;
import org.iotgateway.mqtt.internal.spool.Spool;

/**
 * Opens connections outside an OSGi framework (benchmarks, tools, tests of other modules), from
 * the same configuration properties the factory PID takes. Inside OSGi, use the configuration and
 * the {@link IoTConnection} service instead. Not exported.
 */
public final class Connections {

    private Connections() {
    }

    /** A connection opened here; {@link #close()} disconnects it cleanly. */
    public interface Standalone extends IoTConnection, AutoCloseable {
        @Override
        void close();
    }

    /**
     * @param properties configuration properties as in the factory PID (e.g. {@code endpoint}, {@code port},
     *                   {@code transport}); values as strings or boxed primitives. A disk queue without
     *                   {@code queue.directory} is refused (there is no bundle data area).
     * @return a started connection
     * @throws IllegalArgumentException naming the property, for an invalid configuration
     */
    public static Standalone open(Map<String, ?> properties) {
        ConnectionSettings settings;
        SocketFactory socketFactory;
        Spool spool;
        try {
            settings = ConnectionSettings.from(ConfigProxy.connection(properties));
            socketFactory = TlsSetup.socketFactory(settings);
            spool = openSpool(settings, null);
        } catch (InvalidConfigurationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("queue.directory: " + e.getMessage(), e);
        }
        MqttConnection connection = new MqttConnection(settings, socketFactory, spool, "standalone");
        connection.start();
        return new StandaloneConnection(connection);
    }

    /**
     * Opens the spool the settings ask for.
     *
     * @param settings    the settings
     * @param defaultBase the directory for disk queues when {@code queue.directory} is empty, or {@code null}
     * @return the spool
     * @throws IOException if a disk queue cannot be opened (message names the directory)
     */
    static Spool openSpool(ConnectionSettings settings, Path defaultBase) throws IOException {
        if (settings.storage == ConnectionSettings.Storage.MEMORY) {
            return new MemorySpool();
        }
        Path base;
        if (!settings.queueDirectory.isEmpty()) {
            base = Paths.get(settings.queueDirectory);
        } else if (defaultBase != null) {
            base = defaultBase;
        } else {
            throw new IOException("no directory for the disk queue: set queue.directory");
        }
        Path dir = base.resolve(safeDirectoryName(settings.connectionId));
        DiskSpool.Sync sync = settings.queueSync.equals("fsync") ? DiskSpool.Sync.FSYNC : DiskSpool.Sync.WRITE;
        return DiskSpool.open(dir, sync);
    }

    /** A directory name from a connection id: letters, digits, '.', '_' and '-' kept, the rest escaped. */
    static String safeDirectoryName(String connectionId) {
        StringBuilder sb = new StringBuilder();
        for (char c : connectionId.toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && sb.length() > 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%04x", (int) c));
            }
        }
        return sb.toString();
    }
}
