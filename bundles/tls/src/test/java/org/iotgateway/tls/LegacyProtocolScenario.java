package org.iotgateway.tls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.security.Security;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.iotgateway.testsupport.TestPki;

/**
 * Runs in a child JVM started by {@link LegacyProtocolRefusedTest}, whose java.security override still allows
 * TLSv1.1. Prints one line per step; exits 0 only if every step went as expected.
 */
public final class LegacyProtocolScenario {

    private LegacyProtocolScenario() {
    }

    public static void main(String[] args) throws Exception {
        if (Security.getProperty("jdk.tls.disabledAlgorithms").contains("TLSv1.1")) {
            fail("TLSv1.1 is still disabled: java.security override missing");
        }
        TestPki pki = TestPki.create(Path.of(args[0]));
        TestPki.Issued device = pki.client("device");
        try (TlsTestServer server = new TlsTestServer(pki.server(), pki.caCertificate(), "TLSv1.1")) {
            SSLContext context = TlsHandshakeTest.context(device);

            // control: a client that enables TLSv1.1 itself gets through, so the server really speaks TLSv1.1
            try (SSLSocket legacy = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
                legacy.setEnabledProtocols(new String[] {"TLSv1.1"});
                legacy.startHandshake();
                String greeting = new BufferedReader(new InputStreamReader(legacy.getInputStream())).readLine();
                System.out.println("CONTROL " + legacy.getSession().getProtocol() + " " + greeting);
            }
            TlsTestServer.Outcome control = server.nextOutcome();
            if (!"TLSv1.1".equals(control.protocol)) {
                fail("control connection: " + control);
            }

            // the same context through SafeSocketFactory
            try {
                String greeting = TlsHandshakeTest.exchange(SafeSocketFactory.of(context), "localhost", server.port());
                fail("SafeSocketFactory connected to a TLSv1.1 server: " + greeting);
            } catch (SSLHandshakeException expected) {
                System.out.println("REFUSED " + expected.getMessage());
            }
            TlsTestServer.Outcome refused = server.nextOutcome();
            if (refused.failure == null) {
                fail("the server saw a successful handshake: " + refused);
            }
            System.out.println("SERVER SAW " + refused.failure);
        }
        System.exit(0);
    }

    private static void fail(String message) {
        System.out.println("FAIL " + message);
        System.exit(1);
    }
}
