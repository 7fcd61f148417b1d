package org.iotgateway.shadow.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

import org.iotgateway.api.QoS;
import org.iotgateway.api.shadow.ShadowOperation;

/**
 * One shadow request from the call to its reply. Its {@link #result} is completed exactly once (reply,
 * rejection, timeout, or the connection going away), on a router, timer or caller thread, never by
 * user code; user-facing stages are relayed from it through the shadow's completion executor.
 */
final class Request {

    final ShadowClient client;
    final ShadowKey key;
    final ShadowOperation op;
    final String token;
    final byte[] payload;
    final QoS qos;
    /** An internal get that reconciles the delta after a (re)connect; no user waits for it. */
    final boolean sync;
    /** The reply value (ShadowDocument or null) or the failure. */
    final CompletableFuture<Object> result = new CompletableFuture<>();

    volatile ScheduledFuture<?> timeoutTask;
    /** The router holding the request; changed only under the client's lock. */
    volatile ShadowRouter router;
    /** Set by the router (under its lock) when published. */
    volatile boolean sent;
    /** The client's delta version when the request was published (detects a shadow re-created from version 1). */
    volatile long deltaVersionAtSend = -1;

    Request(ShadowClient client, ShadowKey key, ShadowOperation op, String token, byte[] payload, QoS qos, boolean sync) {
        this.client = client;
        this.key = key;
        this.op = op;
        this.token = token;
        this.payload = payload;
        this.qos = qos;
        this.sync = sync;
    }

    boolean done() {
        return result.isDone();
    }

    @Override
    public String toString() {
        return op.topic() + " " + key + " [" + token + "]";
    }
}
