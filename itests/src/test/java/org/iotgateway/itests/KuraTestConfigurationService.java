package org.iotgateway.itests;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.xml.parsers.DocumentBuilderFactory;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.configuration.ConfigurationService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.util.tracker.BundleTracker;
import org.osgi.util.tracker.ServiceTracker;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Test stand-in for Kura's ConfigurationService, following the real one's contract as far as the adapter depends
 * on it:
 * <ul>
 * <li>it reads the metatype of every ACTIVE bundle: for each PID and factory PID the MetaTypeService reports, the
 * file {@code OSGI-INF/metatype/<pid>.xml} of that bundle, whose Designate names the (factory) PID and whose OCD
 * has that id;</li>
 * <li>it tracks ConfigurableComponent services and manages only those with both {@code kura.service.pid} and
 * {@code service.pid};</li>
 * <li>factory configurations are created through ConfigurationAdmin (location null, as the real one) with the
 * OCD's defaults and {@code kura.service.pid}; updates encrypt the OCD's Password attributes with the
 * CryptoService before writing them to ConfigurationAdmin.</li>
 * </ul>
 */
final class KuraTestConfigurationService implements ConfigurationService {

    /** A parsed OCD: attribute id to type and default. */
    static final class Ocd {
        final String id;
        final String bundle;
        final Map<String, String> types = new LinkedHashMap<>();
        final Map<String, String> defaults = new HashMap<>();

        Ocd(String id, String bundle) {
            this.id = id;
            this.bundle = bundle;
        }
    }

    /** A managed component: its Kura PID, ConfigurationAdmin PID and factory PID. */
    static final class Tracked {
        final String kuraPid;
        final String servicePid;
        final String factoryPid;
        final ServiceReference<?> reference;

        Tracked(String kuraPid, String servicePid, String factoryPid, ServiceReference<?> reference) {
            this.kuraPid = kuraPid;
            this.servicePid = servicePid;
            this.factoryPid = factoryPid;
            this.reference = reference;
        }
    }

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final MetaTypeService metaType;
    private final KuraTestCryptoService crypto;
    private final Map<String, Ocd> ocds = new ConcurrentHashMap<>();
    private final Set<String> factoryPids = ConcurrentHashMap.newKeySet();
    private final Map<String, Tracked> components = new ConcurrentHashMap<>();
    private final java.util.List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final BundleTracker<Bundle> bundles;
    private final ServiceTracker<Object, Object> services;

    KuraTestConfigurationService(BundleContext context, ConfigurationAdmin configAdmin, MetaTypeService metaType,
            KuraTestCryptoService crypto) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.metaType = metaType;
        this.crypto = crypto;
        bundles = new BundleTracker<>(context, Bundle.ACTIVE, null) {
            @Override
            public Bundle addingBundle(Bundle bundle, BundleEvent event) {
                readMetatype(bundle);
                return bundle;
            }
        };
        services = new ServiceTracker<>(context, ConfigurableComponent.class.getName(), null) {
            @Override
            public Object addingService(ServiceReference<Object> reference) {
                Object service = super.addingService(reference);
                Object pid = reference.getProperty(KURA_SERVICE_PID);
                Object servicePid = reference.getProperty(Constants.SERVICE_PID);
                if (service instanceof ConfigurableComponent && servicePid != null && !(servicePid instanceof String)) {
                    // the real tracker casts service.pid to String: anything else breaks it
                    problems.add("ConfigurableComponent " + pid + ": service.pid is not a String but " + servicePid);
                } else if (service instanceof ConfigurableComponent && pid instanceof String
                        && servicePid instanceof String) {
                    components.put((String) pid, new Tracked((String) pid, (String) servicePid,
                            (String) reference.getProperty("service.factoryPid"), reference));
                }
                return service;
            }

            @Override
            public void modifiedService(ServiceReference<Object> reference, Object service) {
                removedService(reference, service);
                addingService(reference);
            }

            @Override
            public void removedService(ServiceReference<Object> reference, Object service) {
                components.values().removeIf(t -> t.reference.equals(reference));
                super.removedService(reference, service);
            }
        };
    }

    void open() {
        bundles.open();
        services.open();
    }

    void close() {
        services.close();
        bundles.close();
    }

    private void readMetatype(Bundle bundle) {
        MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
        if (info == null) {
            return;
        }
        for (String pid : concat(info.getPids(), info.getFactoryPids())) {
            URL url = bundle.getEntry("OSGI-INF/metatype/" + pid + ".xml");
            if (url == null) {
                continue;
            }
            try (InputStream in = url.openStream()) {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Document doc = f.newDocumentBuilder().parse(in);
                boolean factory = false;
                NodeList designates = doc.getElementsByTagName("Designate");
                for (int i = 0; i < designates.getLength(); i++) {
                    Element d = (Element) designates.item(i);
                    if (pid.equals(d.getAttribute("factoryPid"))) {
                        factory = true;
                    }
                }
                NodeList ocdElements = doc.getElementsByTagName("OCD");
                for (int i = 0; i < ocdElements.getLength(); i++) {
                    Element o = (Element) ocdElements.item(i);
                    if (!pid.equals(o.getAttribute("id"))) {
                        continue;
                    }
                    Ocd ocd = new Ocd(pid, bundle.getSymbolicName());
                    NodeList ads = o.getElementsByTagName("AD");
                    for (int j = 0; j < ads.getLength(); j++) {
                        Element ad = (Element) ads.item(j);
                        ocd.types.put(ad.getAttribute("id"), ad.getAttribute("type"));
                        if (ad.hasAttribute("default") && !ad.hasAttribute("cardinality")) {
                            // single-valued: the metatype default is a list with backslash escapes, as Kura reads it
                            String[] values = splitValues(ad.getAttribute("default"));
                            if (values.length > 0 && !values[0].isEmpty()) {
                                ocd.defaults.put(ad.getAttribute("id"), values[0]);
                            }
                        }
                    }
                    ocds.put(pid, ocd);
                    if (factory) {
                        factoryPids.add(pid);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("metatype of " + pid + " in " + bundle.getSymbolicName()
                        + " cannot be read: " + e, e);
            }
        }
    }

    /** Splits a metatype default at unescaped commas; a backslash escapes the next character. */
    static String[] splitValues(String s) {
        java.util.List<String> values = new java.util.ArrayList<>();
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                values.add(token.toString().trim());
                token.setLength(0);
            } else if (c == '\\') {
                if (i + 1 < s.length()) {
                    token.append(s.charAt(++i));
                }
            } else {
                token.append(c);
            }
        }
        values.add(token.toString().trim());
        return values.toArray(new String[0]);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] x = a == null ? new String[0] : a;
        String[] y = b == null ? new String[0] : b;
        String[] r = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }

    // ------------------------------------------------------------------ what the tests look at

    Set<String> getFactoryComponentPids() {
        return Set.copyOf(factoryPids);
    }

    /** @return what the real ConfigurationService would have failed on */
    java.util.List<String> problems() {
        return problems;
    }

    Tracked component(String kuraPid) {
        return components.get(kuraPid);
    }

    /** @return the OCD of a managed component (by its factory PID, else its own PID), or null */
    Ocd ocdOf(String kuraPid) {
        Tracked t = components.get(kuraPid);
        if (t == null) {
            return null;
        }
        return ocds.get(t.factoryPid != null ? t.factoryPid : t.servicePid);
    }

    Ocd ocd(String pid) {
        return ocds.get(pid);
    }

    // ------------------------------------------------------------------ the contract

    @Override
    public synchronized void createFactoryConfiguration(String factoryPid, String pid, Map<String, Object> properties,
            boolean takeSnapshot) throws KuraException {
        if (pid == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "pid cannot be null");
        }
        if (components.containsKey(pid) || findByKuraPid(pid) != null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "pid " + pid + " already exists");
        }
        try {
            Configuration configuration = configAdmin.createFactoryConfiguration(factoryPid, null);
            Map<String, Object> merged = new HashMap<>();
            Ocd ocd = ocds.get(factoryPid);
            if (ocd != null) {
                ocd.defaults.forEach((k, v) -> merged.put(k, typed(ocd.types.get(k), v)));
            }
            if (properties != null) {
                merged.putAll(properties);
            }
            merged.put(KURA_SERVICE_PID, pid);
            configuration.update(new Hashtable<>(merged));
        } catch (IOException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "cannot create " + factoryPid);
        }
    }

    /** As Kura's updateConfiguration: merges into the configuration, encrypting the OCD's Password attributes. */
    synchronized void updateConfiguration(String pid, Map<String, Object> properties) throws KuraException {
        Tracked t = components.get(pid);
        Configuration configuration = t != null ? find(t.servicePid) : findByKuraPid(pid);
        if (configuration == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "no component " + pid);
        }
        Ocd ocd = ocds.get(configuration.getFactoryPid() != null ? configuration.getFactoryPid()
                : configuration.getPid());
        Dictionary<String, Object> current = configuration.getProperties();
        Hashtable<String, Object> merged = new Hashtable<>();
        for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            merged.put(k, current.get(k));
        }
        for (Map.Entry<String, Object> e : properties.entrySet()) {
            Object value = e.getValue();
            if (ocd != null && "Password".equals(ocd.types.get(e.getKey())) && value instanceof String
                    && !((String) value).isEmpty()) {
                value = new String(crypto.encryptAes(((String) value).toCharArray()));
            }
            merged.put(e.getKey(), value);
        }
        try {
            configuration.update(merged);
        } catch (IOException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "cannot update " + pid);
        }
    }

    @Override
    public synchronized void deleteFactoryConfiguration(String pid, boolean takeSnapshot) throws KuraException {
        Configuration configuration = findByKuraPid(pid);
        if (configuration == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "no factory configuration " + pid);
        }
        try {
            configuration.delete();
        } catch (IOException e) {
            throw new KuraException(KuraErrorCode.CONFIGURATION_ERROR, e, "cannot delete " + pid);
        }
    }

    Configuration findByKuraPid(String pid) {
        return first("(" + KURA_SERVICE_PID + "=" + pid + ")");
    }

    private Configuration find(String servicePid) {
        return first("(" + Constants.SERVICE_PID + "=" + servicePid + ")");
    }

    private Configuration first(String filter) {
        try {
            Configuration[] found = configAdmin.listConfigurations(filter);
            return found == null || found.length == 0 ? null : found[0];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object typed(String type, String value) {
        if (type == null) {
            return value;
        }
        switch (type) {
        case "Integer":
            return Integer.valueOf(value);
        case "Long":
            return Long.valueOf(value);
        case "Double":
            return Double.valueOf(value);
        case "Boolean":
            return Boolean.valueOf(value);
        default:
            return value;
        }
    }

    BundleContext context() {
        return context;
    }
}
