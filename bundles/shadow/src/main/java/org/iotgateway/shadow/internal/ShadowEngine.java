package org.iotgateway.shadow.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.IoTConnection;

/**
 * The shadow engine, free of OSGi: threads, client tokens and one {@link ShadowRouter} per connection,
 * shared by every shadow on that connection. Use it directly in tests, tools and benchmarks:
 *
 * <pre>{@code
 * try (ShadowEngine engine = new ShadowEngine();
 *      ShadowClient shadow = engine.open(connection, ShadowSettings.builder("thing-1").build())) {
 *     shadow.report(Map.of("temperature", 21.5)).toCompletableFuture().join();
 * }
 * }</pre>
 *
 * The DS component uses one engine for all shadows of the bundle.
 */
public final class ShadowEngine implements AutoCloseable {

    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    /** How long a replaced subscription is kept after its successor was acknowledged. */
    static final long DEFAULT_LINGER_MILLIS = 2_000;

    private final int budget;
    private final long lingerMillis;
    private final ThreadPoolExecutor pool;
    private final ScheduledThreadPoolExecutor timer;
    private final String tokenPrefix;
    private final AtomicLong tokens = new AtomicLong();
    private final Object lock = new Object();
    private final Map<IoTConnection, ShadowRouter> routers = new IdentityHashMap<>();
    private final Map<IoTConnection, Integer> references = new IdentityHashMap<>();
    private final Set<ShadowClient> clients = ConcurrentHashMap.newKeySet();

    /** An engine with the default subscription budget of {@value FilterPlan#DEFAULT_BUDGET} filters per connection. */
    public ShadowEngine() {
        this(FilterPlan.DEFAULT_BUDGET);
    }

    /**
     * @param budget shadow subscriptions per connection at most before coarser (wildcard) filters are used; at least 2
     */
    public ShadowEngine(int budget) {
        this(budget, DEFAULT_LINGER_MILLIS);
    }

    /**
     * @param budget       shadow subscriptions per connection at most before coarser (wildcard) filters are used; at least 2
     * @param lingerMillis how long a subscription replaced by another (when the filter granularity changes) is kept after
     *                     its successor was acknowledged, so that messages already received through it are delivered
     */
    public ShadowEngine(int budget, long lingerMillis) {
        if (budget < 2) {
            throw new IllegalArgumentException("subscription budget must be at least 2, not " + budget);
        }
        if (lingerMillis < 0) {
            throw new IllegalArgumentException("linger must not be negative: " + lingerMillis);
        }
        this.budget = budget;
        this.lingerMillis = lingerMillis;
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threads("iotgw-shadow"));
        this.timer = new ScheduledThreadPoolExecutor(1, threads("iotgw-shadow-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        SecureRandom random = new SecureRandom();
        char[] id = new char[8];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        // "gw-<8 random>-<counter base 36>": unique per engine run, well under AWS IoT's 64 bytes
        this.tokenPrefix = "gw-" + new String(id) + "-";
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * @param settings the shadow
     * @return a shadow service not bound to any connection yet (requests wait for one)
     */
    public ShadowClient open(ShadowSettings settings) {
        if (pool.isShutdown()) {
            throw new IllegalStateException("the shadow engine is closed");
        }
        ShadowClient client = new ShadowClient(this, settings);
        clients.add(client);
        return client;
    }

    /**
     * @param connection the connection
     * @param settings   the shadow
     * @return a shadow service bound to the connection
     */
    public ShadowClient open(IoTConnection connection, ShadowSettings settings) {
        ShadowClient client = open(settings);
        client.setConnection(connection);
        return client;
    }

    /** Closes every shadow still open and stops the threads. */
    @Override
    public void close() {
        for (ShadowClient c : new ArrayList<>(clients)) {
            c.close();
        }
        timer.shutdownNow();
        pool.shutdown();
    }

    void forget(ShadowClient client) {
        clients.remove(client);
    }

    // ------------------------------------------------------------------ shared by clients and routers

    ExecutorService pool() {
        return pool;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    String nextToken() {
        return tokenPrefix + Long.toString(tokens.incrementAndGet(), 36);
    }

    boolean isOwnToken(String token) {
        return token.startsWith(tokenPrefix);
    }

    /** @return the connection's router, created on first use; every acquire needs a {@link #release} */
    ShadowRouter acquire(IoTConnection connection) {
        ShadowRouter created;
        synchronized (lock) {
            ShadowRouter r = routers.get(connection);
            references.merge(connection, 1, Integer::sum);
            if (r != null) {
                return r;
            }
            created = new ShadowRouter(this, connection, budget, lingerMillis);
            routers.put(connection, created);
        }
        created.start();
        return created;
    }

    void release(ShadowRouter router) {
        IoTConnection c = router.connection();
        synchronized (lock) {
            if (routers.get(c) != router) {
                return;
            }
            int left = references.merge(c, -1, Integer::sum);
            if (left > 0) {
                return;
            }
            references.remove(c);
            routers.remove(c);
        }
        router.close();
    }

    // ------------------------------------------------------------------ inspection (tests, benchmarks)

    /**
     * @param connection a connection
     * @return the topic filters the shadows on it use (subscribed or being subscribed); empty if none
     */
    public List<String> subscriptions(IoTConnection connection) {
        ShadowRouter r;
        synchronized (lock) {
            r = routers.get(connection);
        }
        return r == null ? List.of() : r.activeFilters();
    }

    /** @return the client-token prefix of this engine (replies carrying it are this engine's) */
    public String tokenPrefix() {
        return tokenPrefix;
    }
}
