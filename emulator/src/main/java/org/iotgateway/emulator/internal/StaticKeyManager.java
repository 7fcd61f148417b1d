package org.iotgateway.emulator.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents one private key and certificate chain, whatever the peer asks for. Replaces a PKCS#12 key
 * store plus KeyManagerFactory, which encrypts and decrypts the key with 10,000 PBKDF2 rounds: most of
 * the CPU an emulator start used to spend.
 */
public final class StaticKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "key";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    public StaticKeyManager(PrivateKey key, X509Certificate... chain) {
        this.key = key;
        this.chain = chain.clone();
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return ALIAS;
        }
        String algorithm = key.getAlgorithm();
        for (String t : keyTypes) {
            // key types: the key algorithm ("EC", "RSA"), for some TLS 1.2 suites followed by the
            // certificate's signature algorithm ("EC_EC", "EC_RSA")
            if (t.equals(algorithm) || t.startsWith(algorithm + "_")) {
                return ALIAS;
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliasFor(new String[] {keyType}) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(new String[] {keyType});
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(new String[] {keyType});
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
