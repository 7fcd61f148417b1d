package org.iotgateway.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;

import org.junit.Test;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Jar;

/**
 * Checked with bnd on the built jars (plain JUnit, no framework): the core bundles must run on Karaf and Felix
 * without Kura, so nothing in them may depend on {@code org.eclipse.kura}; the adapter imports Kura's packages with
 * ranges that real Kura 5.x satisfies; the compile-only declarations are not inside any of our bundles.
 */
public class KuraImportsIT {

    private static final String[] CORE = { ItestOptions.API_BUNDLE_PROPERTY, ItestOptions.MQTT_BUNDLE_PROPERTY,
            ItestOptions.SHADOW_BUNDLE_PROPERTY, ItestOptions.JOBS_BUNDLE_PROPERTY,
            ItestOptions.DISCOVERY_BUNDLE_PROPERTY };

    @Test
    public void coreBundlesDoNotDependOnKura() throws Exception {
        for (String property : CORE) {
            try (Jar jar = new Jar(file(property))) {
                Manifest m = jar.getManifest();
                for (String header : new String[] { "Import-Package", "DynamicImport-Package", "Require-Bundle",
                        "Require-Capability" }) {
                    String value = m.getMainAttributes().getValue(header);
                    assertFalse(jar.getBsn() + " " + header + " mentions org.eclipse.kura: " + value,
                            value != null && value.contains("org.eclipse.kura"));
                }
                assertTrue(jar.getBsn() + " contains Kura classes", jar.getDirectories().keySet().stream()
                        .noneMatch(d -> d.startsWith("org/eclipse/kura")));
            }
        }
    }

    @Test
    public void adapterImportsKuraAtTheVersionsKura5Exports() throws Exception {
        try (Jar jar = new Jar(file(KuraIT.KURA_BUNDLE))) {
            assertEquals("org.iotgateway.kura", jar.getBsn());
            assertTrue("the adapter must not carry Kura's API", jar.getDirectories().keySet().stream()
                    .noneMatch(d -> d.startsWith("org/eclipse/kura")));
            Parameters imports = new Parameters(jar.getManifest().getMainAttributes().getValue("Import-Package"));
            // what Kura 5.0 exports (Kura 5.x later raises some minors, never a major)
            Map<String, String> kura50 = Map.ofEntries(Map.entry("org.eclipse.kura", "1.6.0"),
                    Map.entry("org.eclipse.kura.configuration", "1.2.0"), Map.entry("org.eclipse.kura.crypto", "1.3.0"),
                    Map.entry("org.eclipse.kura.ssl", "2.1.0"),
                    Map.entry("org.eclipse.kura.security.keystore", "1.0.0"),
                    Map.entry("org.eclipse.kura.message", "1.4.0"),
                    Map.entry("org.eclipse.kura.cloudconnection", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.factory", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.listener", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.message", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.publisher", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.subscriber", "1.0.0"),
                    Map.entry("org.eclipse.kura.cloudconnection.subscriber.listener", "1.0.0"));
            // and the highest minors of Kura 5.x
            Map<String, String> kura5Later = Map.of("org.eclipse.kura", "1.7.0", "org.eclipse.kura.message", "1.5.0",
                    "org.eclipse.kura.security.keystore", "1.1.0");
            List<String> kuraImports = new ArrayList<>();
            for (Map.Entry<String, Attrs> e : imports.entrySet()) {
                if (!e.getKey().startsWith("org.eclipse.kura")) {
                    continue;
                }
                kuraImports.add(e.getKey());
                String exported = kura50.get(e.getKey());
                assertTrue("unexpected Kura import " + e.getKey(), exported != null);
                aQute.bnd.version.VersionRange range = new aQute.bnd.version.VersionRange(e.getValue().getVersion());
                assertTrue(e.getKey() + " " + range + " must accept Kura 5.0's " + exported,
                        range.includes(new aQute.bnd.version.Version(exported)));
                String later = kura5Later.get(e.getKey());
                if (later != null) {
                    assertTrue(e.getKey() + " " + range + " must accept " + later,
                            range.includes(new aQute.bnd.version.Version(later)));
                }
                assertFalse(e.getKey() + " " + range + " must not accept the next major",
                        range.includes(new aQute.bnd.version.Version(
                                new aQute.bnd.version.Version(exported).getMajor() + 1, 0, 0)));
            }
            assertEquals(kura50.keySet(), new java.util.HashSet<>(kuraImports));
        }
    }

    private static File file(String property) {
        return new File(java.net.URI.create(ItestOptions.bundleLocation(property)));
    }
}
