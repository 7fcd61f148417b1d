package org.iotgateway.shadow.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.iotgateway.api.shadow.ShadowChange;
import org.iotgateway.api.shadow.ShadowDelta;
import org.iotgateway.api.shadow.ShadowDeltaListener;
import org.iotgateway.api.shadow.ShadowDocumentListener;

/** Records deltas and changes (and the threads they arrived on) for assertions. */
final class Recorder implements ShadowDeltaListener, ShadowDocumentListener {

    final LinkedBlockingQueue<ShadowDelta> deltas = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<ShadowChange> changes = new LinkedBlockingQueue<>();
    volatile String lastThread;

    @Override
    public void deltaReceived(ShadowDelta delta) {
        lastThread = Thread.currentThread().getName();
        deltas.add(delta);
    }

    @Override
    public void documentChanged(ShadowChange change) {
        lastThread = Thread.currentThread().getName();
        changes.add(change);
    }

    ShadowDelta nextDelta() {
        return nextDelta(5000);
    }

    ShadowDelta nextDelta(long millis) {
        try {
            ShadowDelta d = deltas.poll(millis, TimeUnit.MILLISECONDS);
            assertNotNull(d, "no delta within " + millis + " ms");
            return d;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    ShadowChange nextChange() {
        try {
            ShadowChange c = changes.poll(5, TimeUnit.SECONDS);
            assertNotNull(c, "no change within 5 s");
            return c;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    void assertNoDelta(long millis) {
        try {
            ShadowDelta d = deltas.poll(millis, TimeUnit.MILLISECONDS);
            assertNull(d, "unexpected delta " + d);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    void assertNoChange(long millis) {
        try {
            ShadowChange c = changes.poll(millis, TimeUnit.MILLISECONDS);
            assertNull(c, "unexpected change " + c);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
