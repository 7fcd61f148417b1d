package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that speaks only TLSv1.1 is refused by SafeSocketFactory sockets.
 *
 * <p>This JDK disables TLSv1.1 in java.security, for servers as well: in this JVM no test server could offer it
 * and a refusal would prove nothing. So the scenario ({@link LegacyProtocolScenario}) runs in a child JVM with
 * {@code -Djava.security.properties=legacy-tls.java.security}, which allows TLSv1.1 again; there a control client
 * that enables TLSv1.1 connects, and the same SSLContext through SafeSocketFactory is refused.
 */
class LegacyProtocolRefusedTest {

    @TempDir
    Path dir;

    @Test
    void tls11OnlyServerIsRefused() throws Exception {
        Path security = dir.resolve("legacy-tls.java.security");
        try (InputStream in = getClass().getResourceAsStream("/legacy-tls.java.security")) {
            Files.copy(in, security);
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Djava.security.properties=" + security,
                "-cp", System.getProperty("java.class.path"), LegacyProtocolScenario.class.getName(),
                dir.resolve("pki").toString())
                .redirectErrorStream(true)
                .start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("CONTROL TLSv1.1 hello"), output);
        assertTrue(output.contains("REFUSED "), output);
    }
}
