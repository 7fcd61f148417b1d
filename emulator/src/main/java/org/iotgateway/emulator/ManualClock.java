package org.iotgateway.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand, for example past a job's step timeout:
 * <pre>{@code
 * ManualClock clock = new ManualClock(Instant.now());
 * Emulator emulator = Emulator.builder().clock(clock).build().start();
 * ...
 * clock.advance(Duration.ofMinutes(2));
 * emulator.checkTimeouts();
 * }</pre>
 */
public final class ManualClock extends Clock {
    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    public ManualClock(Instant start) {
        this(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    private ManualClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** Moves the clock forward (or backward, with a negative duration). */
    public void advance(Duration duration) {
        now.updateAndGet(i -> i.plus(duration));
    }

    /** Sets the clock. */
    public void set(Instant instant) {
        now.set(instant);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new ManualClock(now, newZone);
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
