package org.iotgateway.greengrass.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.iotgateway.api.discovery.GreengrassDiscovery;
import org.iotgateway.emulator.Emulator;

/** Helpers shared by the tests. */
final class Support {

    static final Duration WAIT = Duration.ofSeconds(15);

    private Support() {
    }

    /** Discovery properties for an emulator's discovery endpoint and its device {@code device}. */
    static Map<String, Object> discoveryProperties(Emulator emulator) {
        Map<String, Object> p = new HashMap<>();
        p.put("endpoint", emulator.host());
        p.put("port", emulator.discoveryPort());
        p.put("ca.file", emulator.certificates().caCertificateFile().toString());
        p.put("cert.file", emulator.device("device").certificateFile().toString());
        p.put("key.file", emulator.device("device").privateKeyFile().toString());
        p.put("timeout", 5);
        p.put("retry.backoff.base.ms", 20L);
        p.put("retry.backoff.max.ms", 100L);
        return p;
    }

    static DiscoverySettings discoverySettings(Map<String, Object> properties) {
        return DiscoverySettings.from(ConfigProxy.of(DiscoveryConfig.class, properties));
    }

    static DiscoverySettings discoverySettings(Map<String, Object> properties, List<String> alpn) {
        return DiscoverySettings.from(ConfigProxy.of(DiscoveryConfig.class, properties), alpn);
    }

    static DiscoveryClient client(DiscoverySettings settings) {
        DeviceKey key = TlsSetup.deviceKey(settings, settings);
        return new DiscoveryClient(settings, key, TlsSetup.discovery(settings, key), TlsSetup.proxy(settings), "test");
    }

    static DiscoveryClient client(Map<String, Object> properties) {
        return client(discoverySettings(properties));
    }

    static AutoConnectSettings autoConnectSettings(Map<String, Object> properties) {
        return AutoConnectSettings.from(ConfigProxy.of(AutoConnectConfig.class, properties));
    }

    /** The failure of a discovery, unwrapped; fails the test if it succeeded. */
    static Throwable failure(GreengrassDiscovery discovery, String thing) {
        try {
            discovery.discover(thing).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("discovery did not complete", e);
        }
        return fail("discovery of " + thing + " succeeded");
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void assertContains(String text, String part) {
        assertTrue(text != null && text.contains(part), "'" + text + "' does not contain '" + part + "'");
    }

    static Path certificateDirectory(String name) {
        return Path.of("target", "emulator-certs-" + name);
    }
}
