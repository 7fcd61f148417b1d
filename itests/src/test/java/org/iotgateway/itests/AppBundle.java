package org.iotgateway.itests;

import java.io.File;
import java.net.URISyntaxException;

import org.iotgateway.itests.app.HotSwapApp;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;

/**
 * Host side only: builds the app bundle of {@link HotSwapIT} (packages {@code org.iotgateway.itests.app} and
 * {@code ...app.internal}, compiled with the tests) with bndlib, so that its DS component descriptor and its
 * manifest are generated from the annotations exactly as for our production bundles. Never call it inside the
 * framework: bndlib is on the host class path only.
 */
final class AppBundle {

    static final String SYMBOLIC_NAME = "org.iotgateway.itests.app";

    private AppBundle() {
    }

    /** @return the file URL of the built bundle */
    static String build() {
        try {
            File classes = new File(HotSwapApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            File api = new File(System.getProperty(ItestOptions.API_BUNDLE_PROPERTY));
            String base = System.getProperty("itest.storage", System.getProperty("java.io.tmpdir"));
            File out = new File(base, "hotswap-app.jar");
            out.getParentFile().mkdirs();
            try (Builder b = new Builder()) {
                b.setProperty("Bundle-SymbolicName", SYMBOLIC_NAME);
                b.setProperty("Bundle-Version", "1.0.0");
                b.setProperty("Export-Package", "org.iotgateway.itests.app;version=1.0.0");
                b.setProperty("Private-Package", "org.iotgateway.itests.app.internal");
                b.setProperty("-dsannotations", "*");
                b.setProperty("-dsannotations-options", "version;maximum=1.4.0");
                b.setProperty("-noextraheaders", "true");
                b.addClasspath(classes);
                b.addClasspath(api);
                Jar jar = b.build();
                if (!b.isOk() || jar == null) {
                    throw new IllegalStateException("bnd could not build the app bundle: " + b.getErrors());
                }
                if (jar.getResource("OSGI-INF/" + "org.iotgateway.itests.app.internal.HotSwapAppComponent.xml") == null) {
                    throw new IllegalStateException("bnd generated no DS descriptor for the app component; resources: "
                            + jar.getResources().keySet());
                }
                jar.write(out);
            }
            return out.toURI().toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("building the app bundle failed: " + e, e);
        }
    }
}
