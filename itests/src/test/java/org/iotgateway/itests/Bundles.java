package org.iotgateway.itests;

import static org.junit.Assert.fail;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/** Bundle look-ups and state checks for code running inside the framework. */
final class Bundles {

    private Bundles() {
    }

    /**
     * @param context      a bundle context
     * @param symbolicName a Bundle-SymbolicName
     * @return the installed bundle with that name
     */
    static Bundle find(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        fail("bundle " + symbolicName + " is not installed; installed: " + describeAll(context));
        return null; // not reached
    }

    /**
     * @param context  a bundle context
     * @param property the system property naming one of our bundle jars, see {@link ItestOptions#bundleLocation}
     * @return the bundle installed from that jar
     */
    static Bundle ours(BundleContext context, String property) {
        String location = ItestOptions.bundleLocation(property);
        Bundle b = context.getBundle(location);
        if (b == null) {
            fail("no bundle installed from " + location + "; installed: " + describeAll(context));
        }
        return b;
    }

    /** @return whether the bundle is a fragment */
    static boolean isFragment(Bundle b) {
        return b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
    }

    /**
     * Fails unless the bundle is ACTIVE. For a bundle that is not, the message carries the
     * framework's reason: starting it again reports the unresolved requirement or the activator's failure.
     */
    static void assertActive(Bundle b) {
        if (b.getState() == Bundle.ACTIVE) {
            return;
        }
        String reason;
        try {
            b.start();
            reason = b.getState() == Bundle.ACTIVE ? "it started only when asked again" : "still " + state(b);
        } catch (BundleException e) {
            reason = e.getMessage();
        }
        fail("bundle " + b.getSymbolicName() + " " + b.getVersion() + " is " + state(b) + ", not ACTIVE: " + reason);
    }

    static String describeAll(BundleContext context) {
        StringBuilder sb = new StringBuilder();
        for (Bundle b : context.getBundles()) {
            sb.append("\n  [").append(b.getBundleId()).append("] ").append(b.getSymbolicName()).append(' ')
                    .append(b.getVersion()).append(' ').append(state(b));
        }
        return sb.toString();
    }

    static String state(Bundle b) {
        switch (b.getState()) {
            case Bundle.UNINSTALLED:
                return "UNINSTALLED";
            case Bundle.INSTALLED:
                return "INSTALLED (unresolved)";
            case Bundle.RESOLVED:
                return "RESOLVED";
            case Bundle.STARTING:
                return "STARTING";
            case Bundle.STOPPING:
                return "STOPPING";
            case Bundle.ACTIVE:
                return "ACTIVE";
            default:
                return "state " + b.getState();
        }
    }
}
