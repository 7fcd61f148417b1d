package org.iotgateway.kura.internal;

import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.crypto.CryptoService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kura's ConfigurationService stores Password attributes encrypted with its CryptoService. This ConfigurationAdmin
 * plugin hands our components the decrypted value, in the properties delivered to them only: ConfigurationAdmin keeps
 * the encrypted value, nothing plain is persisted, and the core bundles stay free of Kura.
 * <p>
 * Applies to the configurations of every {@code org.iotgateway.*} factory PID, to the attributes their metatype
 * declares as Password. A value the CryptoService cannot decrypt is passed on unchanged (plain values keep
 * working). When the plugin starts after our components were configured, the configurations holding encrypted
 * values are delivered again so the components get the decrypted ones.
 */
@Component(immediate = true, property = ConfigurationPlugin.CM_RANKING + ":Integer=100")
public final class PasswordDecryptionPlugin implements ConfigurationPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordDecryptionPlugin.class);

    @Reference
    private CryptoService crypto;
    @Reference
    private MetaTypeService metaType;
    @Reference
    private ConfigurationAdmin configAdmin;

    private volatile BundleContext context;
    private Thread redelivery;
    /**
     * Password attribute ids per factory PID. The plugin runs inside every delivery of our configurations (SCR reads
     * the processed properties and then the change count, so a slow plugin widens a window in which a quick second
     * update is missed); the metatype scan is done once per PID and redone after any bundle change.
     */
    private final Map<String, Set<String>> passwordIds = new ConcurrentHashMap<>();
    private final BundleListener bundleChanges = event -> passwordIds.clear();

    @Activate
    void activate(BundleContext bundleContext) {
        context = bundleContext;
        bundleContext.addBundleListener(bundleChanges);
        redelivery = new Thread(this::redeliverEncrypted, "iotgw-kura-password-redelivery");
        redelivery.setDaemon(true);
        redelivery.start();
    }

    @Deactivate
    void deactivate() {
        redelivery.interrupt();
        try {
            context.removeBundleListener(bundleChanges);
        } catch (IllegalStateException e) {
            // the bundle is stopping
        }
        context = null;
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        Object factoryPid = properties.get(KuraProperties.SERVICE_FACTORY_PID);
        if (!(factoryPid instanceof String) || !((String) factoryPid).startsWith("org.iotgateway.")) {
            return;
        }
        int decrypted = 0;
        for (String id : passwordAttributes((String) factoryPid)) {
            Object value = properties.get(id);
            if (value instanceof String) {
                String plain = decrypt((String) value);
                if (plain != null) {
                    properties.put(id, plain);
                    decrypted++;
                }
            } else if (value instanceof String[]) {
                String[] values = ((String[]) value).clone();
                for (int i = 0; i < values.length; i++) {
                    String plain = decrypt(values[i]);
                    if (plain != null) {
                        values[i] = plain;
                        decrypted++;
                    }
                }
                properties.put(id, values);
            }
        }
        if (decrypted > 0) {
            LOG.debug("Configuration {}: {} Password attribute value(s) decrypted", properties.get("service.pid"),
                    decrypted);
        }
    }

    /** @return the plain value, or null if the value is empty or not encrypted (then it is used as it is) */
    String decrypt(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        char[] plain = null;
        try {
            plain = crypto.decryptAes(value.toCharArray());
            return plain == null ? null : new String(plain);
        } catch (KuraException | RuntimeException e) {
            return null;
        } finally {
            if (plain != null) {
                java.util.Arrays.fill(plain, '\0');
            }
        }
    }

    /** @return the ids of the Password attributes of the factory PID, from the metatype of the bundle declaring it */
    Set<String> passwordAttributes(String factoryPid) {
        return passwordIds.computeIfAbsent(factoryPid, this::scanPasswordAttributes);
    }

    private Set<String> scanPasswordAttributes(String factoryPid) {
        Set<String> ids = new HashSet<>();
        BundleContext bc = context;
        if (bc == null) {
            return ids;
        }
        for (Bundle bundle : bc.getBundles()) {
            MetaTypeInformation info;
            try {
                info = metaType.getMetaTypeInformation(bundle);
            } catch (RuntimeException e) {
                continue;
            }
            if (info == null || !java.util.Arrays.asList(info.getFactoryPids()).contains(factoryPid)) {
                continue;
            }
            ObjectClassDefinition ocd = info.getObjectClassDefinition(factoryPid, null);
            AttributeDefinition[] ads = ocd == null ? null : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
            if (ads != null) {
                for (AttributeDefinition ad : ads) {
                    if (ad.getType() == AttributeDefinition.PASSWORD) {
                        ids.add(ad.getID());
                    }
                }
            }
        }
        return Set.copyOf(ids);
    }

    /** Delivers again the configurations that hold encrypted passwords, so their components see plain ones. */
    private void redeliverEncrypted() {
        try {
            Configuration[] configurations = configAdmin.listConfigurations("(service.factoryPid=org.iotgateway.*)");
            if (configurations == null) {
                return;
            }
            for (Configuration configuration : configurations) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                Dictionary<String, Object> properties = configuration.getProperties();
                if (properties != null && holdsEncrypted(configuration.getFactoryPid(), properties)) {
                    LOG.info("Configuration {} holds encrypted passwords: delivering it again, decrypted",
                            configuration.getPid());
                    // the same (still encrypted) properties written back: a new change count makes SCR deliver
                    // them again, through this plugin; update() without arguments does not (SCR skips events whose
                    // change count it has seen)
                    configuration.update(properties);
                }
            }
        } catch (Exception e) {
            LOG.warn("Could not deliver configurations with encrypted passwords again: {}", e.toString());
        }
    }

    private boolean holdsEncrypted(String factoryPid, Dictionary<String, Object> properties) {
        Set<String> ids = passwordAttributes(factoryPid);
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            Object value = properties.get(key);
            if (ids.contains(key) && value instanceof String && decrypt((String) value) != null) {
                return true;
            }
        }
        return false;
    }
}
