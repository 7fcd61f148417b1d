package org.iotgateway.commands.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** Looks services up when a command runs, so commands always see what is registered now. */
final class Services {

    private Services() {
    }

    static <S> List<ServiceReference<S>> all(BundleContext context, Class<S> type) {
        try {
            Collection<ServiceReference<S>> refs = context.getServiceReferences(type, null);
            List<ServiceReference<S>> sorted = new ArrayList<>(refs);
            sorted.sort(null);
            java.util.Collections.reverse(sorted); // highest ranking first
            return sorted;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The one service whose properties match, or a clear error listing what exists.
     *
     * @param describe names a service in messages, e.g. "connection 'aws'"
     */
    static <S> ServiceReference<S> one(BundleContext context, Class<S> type, String kind, String option,
            java.util.function.Predicate<ServiceReference<S>> matches, Function<ServiceReference<S>, String> describe) {
        List<ServiceReference<S>> all = all(context, type);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no " + kind + " is registered (is its configuration in place and valid?)");
        }
        List<ServiceReference<S>> found = new ArrayList<>();
        for (ServiceReference<S> r : all) {
            if (matches.test(r)) {
                found.add(r);
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        List<String> names = new ArrayList<>();
        all.forEach(r -> names.add(describe.apply(r)));
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no such " + kind + "; registered: " + String.join(", ", names));
        }
        throw new IllegalArgumentException("several " + kind + "s match, choose one with " + option + ": "
                + String.join(", ", names));
    }

    static String property(ServiceReference<?> r, String key) {
        Object v = r.getProperty(key);
        return v == null ? "" : v.toString();
    }
}
