package org.iotgateway.mqtt.internal;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;

/**
 * Just enough of a BundleContext to drive {@link ConnectionComponent} by hand the way SCR calls it: a data area, a
 * bundle version, and the registrations it makes (the Pax Exam tests in itests/ check the real wiring).
 */
final class FakeBundleContext {

    /** A service registered through the context. */
    static final class Registered {
        final Object service;
        volatile Dictionary<String, ?> properties;
        volatile boolean unregistered;

        Registered(Object service, Dictionary<String, ?> properties) {
            this.service = service;
            this.properties = properties;
        }
    }

    final List<Registered> registrations = new CopyOnWriteArrayList<>();
    private final Path dataArea;

    FakeBundleContext(Path dataArea) {
        this.dataArea = dataArea;
    }

    /** @return the services registered and not unregistered */
    List<Registered> live() {
        List<Registered> live = new CopyOnWriteArrayList<>();
        for (Registered r : registrations) {
            if (!r.unregistered) {
                live.add(r);
            }
        }
        return live;
    }

    BundleContext context() {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Bundle.class },
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getVersion":
                            return new Version(0, 1, 0, "TEST");
                        case "toString":
                            return "test bundle";
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { BundleContext.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getBundle":
                            return bundle;
                        case "getDataFile":
                            return new File(dataArea.toFile(), (String) args[0]);
                        case "registerService": {
                            @SuppressWarnings("unchecked")
                            Registered r = new Registered(args[1], new Hashtable<>((Hashtable<String, ?>) args[2]));
                            registrations.add(r);
                            return registration(r);
                        }
                        case "toString":
                            return "FakeBundleContext";
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private ServiceRegistration<?> registration(Registered r) {
        return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { ServiceRegistration.class }, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "setProperties":
                            r.properties = new Hashtable<>((Hashtable<String, ?>) args[0]);
                            return null;
                        case "unregister":
                            if (r.unregistered) {
                                throw new IllegalStateException("already unregistered");
                            }
                            r.unregistered = true;
                            return null;
                        case "toString":
                            return "registration of " + r.service;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
