package org.iotgateway.tls;

import static org.iotgateway.fuzz.Findings.check;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import org.iotgateway.fuzz.FuzzBudget;

/**
 * Certificate and key files (and CA PEM text from discovery) go through {@link Pem}, {@link PemReader} and
 * {@link Der}. Contract: certificates or a key, or a {@link TlsMaterialException} with a reason and a message that
 * names the source; never another exception.
 */
class PemFuzzTest {

    private static final char[] PASSWORD = "fuzz-password".toCharArray();

    @DictionaryEntries({
            "-----BEGIN ", "-----END ", "-----", "CERTIFICATE", "TRUSTED CERTIFICATE", "PRIVATE KEY",
            "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "EC PARAMETERS", "Proc-Type: 4,ENCRYPTED",
            "\\x0D\\x0A", "MIIB", "MII", "BggqhkjOPQMBBw==", "=="})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void pem(byte[] file) {
        // files are read as ISO-8859-1 (PemReader.readFile), so every byte sequence is possible text
        String text = new String(file, StandardCharsets.ISO_8859_1);
        try {
            List<X509Certificate> certificates = Pem.certificates(text, Origin.text("fuzzed certificate file"));
            check(!certificates.isEmpty(), "no certificate and no exception");
        } catch (TlsMaterialException e) {
            expected(e);
        }
        try {
            PrivateKey key = Pem.privateKey(text, Origin.text("fuzzed key file"), null);
            check(key != null, "no key and no exception");
        } catch (TlsMaterialException e) {
            expected(e);
        }
        if (text.contains("ENCRYPTED")) {
            try {
                Pem.privateKey(text, Origin.text("fuzzed encrypted key file"), PASSWORD.clone());
            } catch (TlsMaterialException e) {
                expected(e);
            }
        }
    }

    private static void expected(TlsMaterialException e) {
        check(e.reason() != null, "a rejection without a reason");
        check(e.getMessage().startsWith("fuzzed "), "the message does not start with the source: " + e.getMessage());
    }
}
