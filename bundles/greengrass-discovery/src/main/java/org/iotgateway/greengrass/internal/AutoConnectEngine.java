package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLSocketFactory;

import org.iotgateway.api.ConnectionState;
import org.iotgateway.api.IoTConnection;
import org.iotgateway.api.IoTException;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.api.discovery.GreengrassGroup;
import org.iotgateway.greengrass.internal.CoreSelector.Candidate;
import org.iotgateway.tls.Pem;
import org.iotgateway.tls.TlsMaterialException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection configuration pointed at a reachable Greengrass core of one thing. OSGi-free: discovery,
 * the connection's state, the reachability check and the configuration writer are given to it.
 * <p>
 * <b>Connecting.</b> Discovery runs at start; the candidates (see {@link CoreSelector}) are checked in order, group
 * by group, with a TCP connection and a TLS handshake trusting only that group's CAs ({@link CoreProbe}); the first
 * that passes wins: its group's CAs are stored ({@link CaStore}) and the connection configuration is written with
 * its host and port, the stored CA file and the device credentials of the discovery client. Discovery failures and
 * "no reachable core" are retried with exponential backoff; nothing already written is touched then, so a
 * connection to a core keeps working while the cloud is out of reach.
 * <p>
 * <b>Following the core.</b> The connection's state is sampled regularly. When it has not been
 * {@link ConnectionState#CONNECTED} for the configured time, discovery runs again and the configuration moves to
 * the first reachable entry (the same service object is reconfigured, so apps stay bound). If that changes nothing
 * and the connection stays down, the next rediscovery waits longer (backoff), so a missing connection bundle does
 * not hammer the discovery service.
 * <p>
 * All work runs on one thread of the engine, in order.
 */
final class AutoConnectEngine implements AutoCloseable {

    /** Properties written to the connection configuration besides its connection settings. */
    static final String GROUP_ID = "greengrass.group.id";
    static final String CORE_ARN = "greengrass.core.arn";
    static final String CONNECTIVITY_ID = "greengrass.connectivity.id";

    private static final Logger LOG = LoggerFactory.getLogger(AutoConnectEngine.class);

    private final AutoConnectSettings settings;
    private final String marker;
    private final GreengrassDiscovery discovery;
    private final Supplier<DeviceKey> deviceKey;
    private final CaStore caStore;
    private final ConnectionConfigurationWriter writer;
    private final Supplier<Optional<ConnectionState>> connectionState;
    private final CoreProbe probe;
    private final ScheduledThreadPoolExecutor executor;
    private final long tickMillis;

    // confined to the executor thread
    private Candidate current;
    private long unhealthySince = -1;
    private long nextDiscovery;
    private long retryDelay;
    private volatile boolean closed;
    private volatile int discoveries;

    /**
     * @param settings        the settings
     * @param marker          the marker of the connection configuration (the auto-connect's PID)
     * @param discovery       the discovery client
     * @param deviceKey       the device key and credentials (of the discovery client), read whenever needed
     * @param caStore         where the group's CAs are stored
     * @param writer          writes the connection configuration
     * @param connectionState the state of the connection with the configured id, empty while there is none
     * @param probe           checks a candidate
     */
    AutoConnectEngine(AutoConnectSettings settings, String marker, GreengrassDiscovery discovery,
            Supplier<DeviceKey> deviceKey, CaStore caStore, ConnectionConfigurationWriter writer,
            Supplier<Optional<ConnectionState>> connectionState, CoreProbe probe) {
        this.settings = settings;
        this.marker = marker;
        this.discovery = discovery;
        this.deviceKey = deviceKey;
        this.caStore = caStore;
        this.writer = writer;
        this.connectionState = connectionState;
        this.probe = probe;
        this.tickMillis = Math.max(20, Math.min(1000, settings.rediscoveryAfter.toMillis() / 5));
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "greengrass-autoconnect-" + settings.thingName);
            t.setDaemon(true);
            return t;
        });
        this.executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs discovery now, then watches the connection. */
    void start() {
        LOG.info("Starting {}", settings);
        nextDiscovery = System.nanoTime();
        executor.scheduleWithFixedDelay(this::tick, 0, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** @return how many discoveries ran (for tests and diagnostics) */
    int discoveries() {
        return discoveries;
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            long now = System.nanoTime();
            boolean connected = connectionState.get().orElse(null) == ConnectionState.CONNECTED;
            if (connected) {
                if (unhealthySince >= 0) {
                    LOG.debug("Connection '{}' is connected", settings.connectionId);
                }
                unhealthySince = -1;
                if (current != null) {
                    retryDelay = 0;
                }
            } else if (unhealthySince < 0) {
                unhealthySince = now;
            }
            if (current == null) {
                if (now - nextDiscovery >= 0) {
                    discoverAndConnect(now);
                }
                return;
            }
            if (!connected && now - unhealthySince >= settings.rediscoveryAfter.toNanos() && now - nextDiscovery >= 0) {
                LOG.warn("Connection '{}' to {} has not been connected for {} ms; running discovery again",
                        settings.connectionId, current, (now - unhealthySince) / 1_000_000);
                discoverAndConnect(now);
            }
        } catch (RuntimeException e) {
            LOG.error("Greengrass auto-connect of thing '{}' failed unexpectedly", settings.thingName, e);
            backOff(System.nanoTime());
        }
    }

    private void discoverAndConnect(long now) {
        discoveries++;
        DiscoveryResult result;
        try {
            result = discovery.discoverAndWait(settings.thingName);
        } catch (IoTException e) {
            if (closed) {
                return;
            }
            long delay = backOff(System.nanoTime());
            LOG.warn("Greengrass auto-connect of thing '{}': {}; trying again in {} ms{}", settings.thingName,
                    e.getMessage(), delay, current == null ? "" : " (connection '" + settings.connectionId
                            + "' keeps pointing at " + current + ")");
            return;
        }
        if (closed) {
            return;
        }
        Optional<Candidate> chosen = choose(result);
        if (!chosen.isPresent()) {
            long delay = backOff(System.nanoTime());
            LOG.warn("Greengrass auto-connect of thing '{}': no reachable core (filters: {}); trying again in {} ms",
                    settings.thingName, settings.filters(), delay);
            return;
        }
        Candidate c = chosen.get();
        boolean changed;
        try {
            changed = apply(c);
        } catch (IOException | RuntimeException e) {
            long delay = backOff(System.nanoTime());
            LOG.error("Greengrass auto-connect of thing '{}': cannot write the configuration of connection '{}' for "
                    + "{}: {}; trying again in {} ms", settings.thingName, settings.connectionId, c, e.toString(),
                    delay);
            return;
        }
        long after = System.nanoTime();
        if (changed) {
            LOG.info("Connection '{}' now points at {}", settings.connectionId, c);
            retryDelay = 0;
            nextDiscovery = after;
            unhealthySince = after; // give the connection the full time to connect to the new place
        } else {
            boolean connected = connectionState.get().orElse(null) == ConnectionState.CONNECTED;
            if (connected) {
                retryDelay = 0;
                nextDiscovery = after;
            } else {
                long delay = backOff(after);
                LOG.info("Connection '{}' already points at {}, but is not connected; next discovery in {} ms at the "
                        + "earliest", settings.connectionId, c, delay);
                unhealthySince = after;
            }
        }
        current = c;
    }

    /** @return the first candidate that passes the check, trying them in order */
    private Optional<Candidate> choose(DiscoveryResult result) {
        List<Candidate> candidates = CoreSelector.candidates(result, settings);
        if (candidates.isEmpty()) {
            LOG.warn("Greengrass discovery of thing '{}' returned {} group(s), but no connectivity entry passes the "
                    + "filters ({})", settings.thingName, result.groups().size(), settings.filters());
            return Optional.empty();
        }
        GreengrassGroup group = null;
        SSLSocketFactory factory = null;
        for (Candidate c : candidates) {
            if (closed) {
                return Optional.empty();
            }
            if (c.group != group) {
                group = c.group;
                factory = groupFactory(group);
            }
            if (factory == null) {
                continue;
            }
            try {
                probe.check(c.entry.host(), c.entry.port(), factory, settings.connectTimeout);
                LOG.debug("{} is reachable", c);
                return Optional.of(c);
            } catch (IOException | RuntimeException e) {
                LOG.info("Skipping {}: {}", c, describe(e));
            }
        }
        return Optional.empty();
    }

    /** @return TLS trusting only the group's CAs, or {@code null} (logged) when they cannot be used */
    private SSLSocketFactory groupFactory(GreengrassGroup group) {
        if (group.caPems().isEmpty()) {
            LOG.warn("Skipping Greengrass group {}: discovery sent no CA certificate for it", group.groupId());
            return null;
        }
        List<X509Certificate> cas = new ArrayList<>();
        try {
            int i = 1;
            for (String pem : group.caPems()) {
                cas.addAll(Pem.parseCertificates(pem, "CA #" + i++ + " of Greengrass group " + group.groupId()));
            }
        } catch (TlsMaterialException e) {
            LOG.warn("Skipping Greengrass group {}: {}", group.groupId(), e.getMessage());
            return null;
        }
        // the key the discovery configuration loaded: a token key is not logged in to again for every core
        return TlsSetup.core(cas, deviceKey.get().keyManager, settings.hostnameVerification);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Stores the group's CAs and writes the connection configuration; returns whether it changed. */
    private boolean apply(Candidate c) throws IOException {
        Path caFile = caStore.store(c.group.groupId(), c.group.caPems());
        boolean changed = writer.write(marker, connectionProperties(c, caFile));
        caStore.retainOnly(caFile);
        return changed;
    }

    /** @return the connection configuration for a candidate */
    Map<String, Object> connectionProperties(Candidate c, Path caFile) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(IoTConnection.CONNECTION_ID, settings.connectionId);
        p.put(IoTConnection.ENDPOINT, c.entry.host());
        p.put(IoTConnection.PORT, c.entry.port());
        p.put(IoTConnection.TRANSPORT, "mqtts");
        p.put("ca.file", caFile.toAbsolutePath().toString());
        p.putAll(deviceKey.get().credentials.connectionProperties());
        p.put(IoTConnection.CLIENT_ID, settings.clientId);
        p.put(IoTConnection.THING_NAME, settings.thingName);
        p.put("hostname.verification", settings.hostnameVerification);
        p.put(ConnectionConfigurationWriter.MARKER, marker);
        p.put(GROUP_ID, c.group.groupId());
        p.put(CORE_ARN, c.core.thingArn());
        p.put(CONNECTIVITY_ID, c.entry.id());
        return p;
    }

    /** @return the delay until the next discovery may run, doubled on every call until a success resets it */
    private long backOff(long now) {
        retryDelay = retryDelay == 0 ? settings.retryBaseMillis : Math.min(settings.retryMaxMillis, retryDelay * 2);
        nextDiscovery = now + retryDelay * 1_000_000;
        return retryDelay;
    }

    /** Stops; the connection configuration stays as it is. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
