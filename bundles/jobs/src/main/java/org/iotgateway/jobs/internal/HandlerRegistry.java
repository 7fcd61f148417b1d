package org.iotgateway.jobs.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.iotgateway.api.jobs.JobHandler;

/**
 * The {@link JobHandler}s known to one or more jobs engines, with the operations and things they
 * take. OSGi-free: the DS component feeds it from the whiteboard, standalone users directly.
 */
final class HandlerRegistry {

    /** One registered handler. */
    static final class Entry {
        final Object key;
        final JobHandler handler;
        final Set<String> operations;
        /** Empty: every thing. */
        final Set<String> things;
        final int ranking;
        final long order;

        Entry(Object key, JobHandler handler, Set<String> operations, Set<String> things, int ranking, long order) {
            this.key = key;
            this.handler = handler;
            this.operations = operations;
            this.things = things;
            this.ranking = ranking;
            this.order = order;
        }

        boolean takes(String operation, String thing) {
            return operations.contains(operation) && (things.isEmpty() || things.contains(thing));
        }

        /** Higher ranking first, then the earlier registration. */
        boolean beats(Entry other) {
            return ranking != other.ranking ? ranking > other.ranking : order < other.order;
        }

        @Override
        public String toString() {
            return handler + " for " + operations + (things.isEmpty() ? "" : " of " + things);
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong order = new AtomicLong();

    /**
     * Adds a handler, or replaces the one registered under the same key.
     *
     * @param key        identifies the registration (a service reference, or a token)
     * @param handler    the handler
     * @param operations the operations it takes ({@value JobHandler#ANY_OPERATION} for all); none: the handler is ignored
     * @param things     the things it is restricted to; empty for all
     * @param ranking    higher wins when several handlers take an operation
     * @param order      ties between equal rankings go to the lower order (e.g. the OSGi service id)
     * @return whether it was added (false without operations)
     */
    boolean add(Object key, JobHandler handler, Collection<String> operations, Collection<String> things, int ranking,
            long order) {
        Set<String> ops = clean(operations);
        entries.removeIf(e -> e.key.equals(key));
        if (ops.isEmpty()) {
            fire();
            return false;
        }
        entries.add(new Entry(key, handler, ops, clean(things), ranking, order));
        fire();
        return true;
    }

    /** Adds a handler in registration order. See {@link #add(Object, JobHandler, Collection, Collection, int, long)}. */
    boolean add(Object key, JobHandler handler, Collection<String> operations, Collection<String> things, int ranking) {
        return add(key, handler, operations, things, ranking, order.incrementAndGet());
    }

    void remove(Object key) {
        if (entries.removeIf(e -> e.key.equals(key))) {
            fire();
        }
    }

    /**
     * @return the handler for the operation on the thing: an exact operation match before a
     *         {@value JobHandler#ANY_OPERATION} one, then the highest ranking; {@code null} if none
     */
    Entry find(String operation, String thing) {
        Entry best = null;
        for (Entry e : entries) {
            if (e.takes(operation, thing) && (best == null || e.beats(best))) {
                best = e;
            }
        }
        if (best != null) {
            return best;
        }
        for (Entry e : entries) {
            if (e.takes(JobHandler.ANY_OPERATION, thing) && (best == null || e.beats(best))) {
                best = e;
            }
        }
        return best;
    }

    /** @return whether this exact entry is still registered */
    boolean contains(Entry entry) {
        return entries.contains(entry);
    }

    void addListener(Runnable listener) {
        listeners.add(listener);
    }

    void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    private void fire() {
        listeners.forEach(Runnable::run);
    }

    /** @return the strings of a String, String[] or Collection service property, trimmed, without empty ones */
    static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof String) {
            out.add((String) value);
        } else if (value instanceof String[]) {
            out.addAll(List.of((String[]) value));
        } else if (value instanceof Collection) {
            for (Object o : (Collection<?>) value) {
                out.add(String.valueOf(o));
            }
        }
        List<String> result = new ArrayList<>();
        for (String s : out) {
            if (s != null && !s.trim().isEmpty()) {
                result.add(s.trim());
            }
        }
        return result;
    }

    private static Set<String> clean(Collection<String> values) {
        Set<String> out = new LinkedHashSet<>();
        if (values != null) {
            for (String s : values) {
                if (s != null && !s.trim().isEmpty()) {
                    out.add(s.trim());
                }
            }
        }
        return Set.copyOf(out);
    }
}
