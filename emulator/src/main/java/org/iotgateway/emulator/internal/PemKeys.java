package org.iotgateway.emulator.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads private keys the JDK cannot read from PEM (PKCS#1 "RSA PRIVATE KEY", SEC 1 "EC PRIVATE KEY")
 * with BouncyCastle. Only loaded for such configured keys: the emulator writes PKCS#8, which
 * {@link Pki} reads without BouncyCastle.
 */
final class PemKeys {
    private PemKeys() {
    }

    static PrivateKey read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                return conv.getPrivateKey(kp.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            throw new IOException("no unencrypted private key in " + file);
        }
    }
}
