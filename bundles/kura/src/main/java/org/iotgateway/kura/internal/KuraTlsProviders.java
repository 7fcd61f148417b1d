package org.iotgateway.kura.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.security.keystore.KeystoreService;
import org.eclipse.kura.ssl.SslManagerService;
import org.eclipse.kura.ssl.SslServiceListener;
import org.iotgateway.api.tls.TlsContextProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers Kura's TLS material to connections: for every SslManagerService and KeystoreService it registers a
 * {@link TlsContextProvider} carrying the Kura service's {@code kura.service.pid}, so a connection selects one with
 * {@code tls.provider.target}, for example {@code (kura.service.pid=org.eclipse.kura.ssl.SslManagerService)}, as
 * Kura's own MQTT transport selects its SslManagerService with a target filter. The connection keeps its own TLS
 * versions, host name verification and ALPN on 443.
 * <p>
 * When the Kura service's configuration changes (its service properties change, or an SslManagerService reports
 * {@link SslServiceListener#onConfigurationUpdated()}), the provider's {@link TlsContextProvider#GENERATION} is
 * incremented and the connections using it reconnect with the new material.
 */
@Component(immediate = true, service = SslServiceListener.class)
public final class KuraTlsProviders implements SslServiceListener {

    static final String TYPE = "tls.provider.type";

    private static final Logger LOG = LoggerFactory.getLogger(KuraTlsProviders.class);

    private final AtomicLong generations = new AtomicLong();
    private final Map<ServiceReference<?>, ServiceRegistration<TlsContextProvider>> registrations =
            new ConcurrentHashMap<>();
    private final Map<ServiceReference<?>, Object> pending = new ConcurrentHashMap<>();
    private volatile BundleContext context;

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
        pending.forEach(this::register);
        pending.clear();
    }

    @Deactivate
    void deactivate() {
        context = null;
        registrations.values().forEach(KuraTlsProviders::unregister);
        registrations.clear();
    }

    // ------------------------------------------------------------------ SslManagerService

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedSslManager")
    void bindSslManager(ServiceReference<SslManagerService> reference, SslManagerService service) {
        add(reference, service);
    }

    void updatedSslManager(ServiceReference<SslManagerService> reference) {
        changed(reference);
    }

    void unbindSslManager(ServiceReference<SslManagerService> reference) {
        remove(reference);
    }

    // ------------------------------------------------------------------ KeystoreService

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedKeystore")
    void bindKeystore(ServiceReference<KeystoreService> reference, KeystoreService service) {
        add(reference, service);
    }

    void updatedKeystore(ServiceReference<KeystoreService> reference) {
        changed(reference);
    }

    void unbindKeystore(ServiceReference<KeystoreService> reference) {
        remove(reference);
    }

    @Override
    public void onConfigurationUpdated() {
        registrations.forEach((reference, registration) -> {
            if ("ssl-manager".equals(registration.getReference().getProperty(TYPE))) {
                changed(reference);
            }
        });
    }

    // ------------------------------------------------------------------

    private void add(ServiceReference<?> reference, Object service) {
        if (context == null) {
            pending.put(reference, service);
        } else {
            register(reference, service);
        }
    }

    private void register(ServiceReference<?> reference, Object service) {
        BundleContext bc = context;
        if (bc == null) {
            return;
        }
        TlsContextProvider provider = service instanceof SslManagerService
                ? new SslManagerProvider((SslManagerService) service)
                : new KeystoreProvider((KeystoreService) service);
        registrations.put(reference, bc.registerService(TlsContextProvider.class, provider, properties(reference,
                service)));
    }

    private void changed(ServiceReference<?> reference) {
        ServiceRegistration<TlsContextProvider> registration = registrations.get(reference);
        if (registration != null) {
            Object service = registration.getReference().getProperty(TYPE);
            LOG.info("Kura {} {} changed: connections using it reconnect with the new TLS material", service,
                    reference.getProperty(KuraProperties.KURA_SERVICE_PID));
            registration.setProperties(properties(reference, "ssl-manager".equals(service) ? SslManagerService.class
                    : KeystoreService.class));
        }
    }

    private void remove(ServiceReference<?> reference) {
        pending.remove(reference);
        ServiceRegistration<TlsContextProvider> registration = registrations.remove(reference);
        if (registration != null) {
            unregister(registration);
        }
    }

    private Hashtable<String, Object> properties(ServiceReference<?> reference, Object serviceOrType) {
        boolean ssl = serviceOrType instanceof SslManagerService || serviceOrType == SslManagerService.class;
        Hashtable<String, Object> p = new Hashtable<>();
        Object pid = reference.getProperty(KuraProperties.KURA_SERVICE_PID);
        if (pid == null) {
            pid = reference.getProperty(Constants.SERVICE_PID);
        }
        if (pid != null) {
            p.put(KuraProperties.KURA_SERVICE_PID, pid);
        }
        p.put(TYPE, ssl ? "ssl-manager" : "keystore");
        p.put(TlsContextProvider.GENERATION, generations.incrementAndGet());
        p.put(TlsContextProvider.DESCRIPTION, "Kura " + (ssl ? "SslManagerService" : "KeystoreService") + " "
                + (pid == null ? reference.getProperty(Constants.SERVICE_ID) : pid));
        return p;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone
        }
    }

    /** The SSLContext of an SslManagerService: its key and trust managers, as Kura's MQTT transport uses them. */
    private static final class SslManagerProvider implements TlsContextProvider {
        private final SslManagerService service;

        SslManagerProvider(SslManagerService service) {
            this.service = service;
        }

        @Override
        public SSLContext sslContext() throws GeneralSecurityException, IOException {
            return service.getSSLContext();
        }
    }

    /** A context from a KeystoreService: its key managers, and its certificate entries as the trusted CAs. */
    private static final class KeystoreProvider implements TlsContextProvider {
        private final KeystoreService service;

        KeystoreProvider(KeystoreService service) {
            this.service = service;
        }

        @Override
        public SSLContext sslContext() throws GeneralSecurityException, IOException {
            try {
                List<KeyManager> keyManagers = service.getKeyManagers(KeyManagerFactory.getDefaultAlgorithm());
                KeyStore keyStore = service.getKeyStore();
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(keyStore);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keyManagers.toArray(new KeyManager[0]), tmf.getTrustManagers(), null);
                return context;
            } catch (KuraException e) {
                throw new IOException("the Kura keystore cannot be read: " + e.getMessage(), e);
            }
        }
    }
}
