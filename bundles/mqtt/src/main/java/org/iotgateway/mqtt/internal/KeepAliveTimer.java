package org.iotgateway.mqtt.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttPingSender;
import org.eclipse.paho.client.mqttv3.TimerPingSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives Paho's keep-alive check so that a silent (half-open) connection is declared dead at most
 * 1.5 keep-alive intervals after the last packet received.
 *
 * <p>Paho decides by itself when to ping and when a connection is dead, but only when its
 * {@link MqttPingSender} asks it to check, and its default sender asks once per keep-alive
 * interval: a PINGREQ goes out up to two intervals after the last packet received and the
 * connection is given up one interval after that. This sender asks every {@value #STEPS}th of an
 * interval, so the PINGREQ leaves at most one step after an interval of silence, and asks again
 * {@value #ANSWER_PERCENT}% of an interval after a PINGREQ, when a missing PINGRESP makes Paho
 * close the connection: at most 1.5 intervals of silence in total, with at least 40% of an
 * interval for the answer to arrive on a slow link.
 *
 * <p>Paho hands its sender an object of an internal type that its bundle does not export, so the
 * sender is a {@link Proxy} defined in Paho's class loader, and the two calls made on that object
 * ({@code getKeepAlive()} and {@code checkForActivity()}, present from Paho 1.2.0 on) are
 * reflective. Should they be missing, {@link #create} falls back to Paho's own
 * {@link TimerPingSender} (detection within two intervals) and says so once.
 */
final class KeepAliveTimer implements InvocationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(KeepAliveTimer.class);

    static final int STEPS = 20;
    static final int ANSWER_PERCENT = 45;
    private static volatile boolean fallbackLogged;

    private final ScheduledExecutorService timer;
    private final Executor worker;
    private final String connectionId;
    private Object comms;
    private Method checkForActivity;
    private long keepAliveMs;
    private long requestedMs = -1;
    private ScheduledFuture<?> next;
    private boolean running;

    private KeepAliveTimer(ScheduledExecutorService timer, Executor worker, String connectionId) {
        this.timer = timer;
        this.worker = worker;
        this.connectionId = connectionId;
    }

    /**
     * A ping sender for one Paho client. Checks are scheduled on {@code timer} and run on
     * {@code worker}, because a check that finds the connection dead shuts it down in the
     * calling thread.
     */
    static MqttPingSender create(ScheduledExecutorService timer, Executor worker, String connectionId) {
        try {
            // the name is put together at run time: a literal would make bnd import Paho's internal package,
            // which Paho's bundle does not export
            String name = String.join(".", MqttPingSender.class.getPackage().getName(), "internal", "ClientComms");
            Class<?> comms = MqttPingSender.class.getClassLoader().loadClass(name);
            comms.getMethod("checkForActivity");
            comms.getMethod("getKeepAlive");
        } catch (ReflectiveOperationException | LinkageError e) {
            if (!fallbackLogged) {
                fallbackLogged = true;
                LOG.warn("This Paho version has no keep-alive hook ({}): a half-open connection is detected within 2 keep-alive "
                        + "intervals instead of 1.5", e.toString());
            }
            return new TimerPingSender();
        }
        KeepAliveTimer handler = new KeepAliveTimer(timer, worker, connectionId);
        return (MqttPingSender) Proxy.newProxyInstance(MqttPingSender.class.getClassLoader(),
                new Class<?>[] { MqttPingSender.class }, handler);
    }

    /**
     * The same keep-alive driver for Paho's MQTT 5 client. That client is embedded in this bundle,
     * so its {@code ClientComms} is reachable directly; the two calls are still made reflectively
     * through the shared code path.
     */
    static org.eclipse.paho.mqttv5.client.MqttPingSender createV5(ScheduledExecutorService timer, Executor worker,
            String connectionId) {
        KeepAliveTimer handler = new KeepAliveTimer(timer, worker, connectionId);
        return new org.eclipse.paho.mqttv5.client.MqttPingSender() {
            @Override
            public void init(org.eclipse.paho.mqttv5.client.internal.ClientComms comms) {
                try {
                    handler.init(comms);
                } catch (NoSuchMethodException e) {
                    throw new IllegalStateException("Paho MQTT 5 client has no keep-alive check", e);
                }
            }

            @Override
            public void start() {
                try {
                    handler.start();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("Paho MQTT 5 client has no keep-alive interval", e);
                }
            }

            @Override
            public void stop() {
                handler.stop();
            }

            @Override
            public void schedule(long delayInMilliseconds) {
                handler.schedule(delayInMilliseconds);
            }

            @Override
            public String toString() {
                return "KeepAliveTimer[" + connectionId + ", MQTT 5]";
            }
        };
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "init":
                init(args[0]);
                return null;
            case "start":
                start();
                return null;
            case "stop":
                stop();
                return null;
            case "schedule":
                schedule(((Long) args[0]).longValue());
                return null;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "toString":
                return "KeepAliveTimer[" + connectionId + "]";
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }

    private synchronized void init(Object clientComms) throws NoSuchMethodException {
        if (clientComms == null) {
            throw new IllegalArgumentException("Paho passed no client to the keep-alive timer");
        }
        this.comms = clientComms;
        this.checkForActivity = clientComms.getClass().getMethod("checkForActivity");
    }

    private synchronized void start() throws ReflectiveOperationException {
        keepAliveMs = ((Number) comms.getClass().getMethod("getKeepAlive").invoke(comms)).longValue();
        running = true;
        requestedMs = keepAliveMs;
        plan(step());
    }

    private synchronized void stop() {
        running = false;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    /** Called by Paho from inside a check with the delay it would wait before the next one. */
    private synchronized void schedule(long delayMs) {
        requestedMs = delayMs;
    }

    private long step() {
        return Math.max(1, keepAliveMs / STEPS);
    }

    private void plan(long delayMs) {
        if (!running) {
            return;
        }
        try {
            next = timer.schedule(() -> worker.execute(this::check), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the connection is closing: its executors are gone, and so is this client
            running = false;
        }
    }

    private void check() {
        Method m;
        Object c;
        synchronized (this) {
            if (!running) {
                return;
            }
            requestedMs = -1;
            m = checkForActivity;
            c = comms;
        }
        Object pingToken;
        try {
            pingToken = m.invoke(c);
        } catch (InvocationTargetException e) {
            LOG.warn("Connection '{}': keep-alive check failed: {}", connectionId, e.getCause().toString());
            pingToken = null;
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.warn("Connection '{}': keep-alive check failed: {}", connectionId, e.toString());
            pingToken = null;
        }
        synchronized (this) {
            if (!running || requestedMs < 0) {
                // Paho asks for no further check once the connection is down
                return;
            }
            if (pingToken != null) {
                // a PINGREQ just left: look again when its answer is due
                plan(Math.max(1, keepAliveMs * ANSWER_PERCENT / 100));
            } else {
                plan(Math.min(requestedMs, step()));
            }
        }
    }
}
