package org.iotgateway.greengrass.internal;

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

/** Just enough of a BundleContext for the components: a data area, a version, and recorded registrations. */
final class FakeBundleContext {

    /** A service registered through the context, until unregistered. */
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

    BundleContext context() {
        Bundle bundle = (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Bundle.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("getVersion")) {
                        return new Version(0, 1, 0, "TEST");
                    }
                    throw new UnsupportedOperationException(method.getName());
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
                            @SuppressWarnings("unchecked")
                            Dictionary<String, ?> d = (Dictionary<String, ?>) args[0];
                            r.properties = d;
                            return null;
                        case "unregister":
                            r.unregistered = true;
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
