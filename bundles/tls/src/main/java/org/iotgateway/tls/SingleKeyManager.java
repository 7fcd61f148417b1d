package org.iotgateway.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client key manager holding exactly one key and certificate chain.
 *
 * <p>It offers the certificate whenever the key type fits, whatever certificate authorities the server lists: the
 * JDK's key managers send no certificate at all when the server's list does not name the issuer, which turns a
 * configuration detail into an opaque "bad certificate" from the server. The server still decides.
 */
final class SingleKeyManager extends X509ExtendedKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(SingleKeyManager.class);

    static final String ALIAS = "client";

    private final PrivateKey key;
    private final X509Certificate[] chain;

    SingleKeyManager(PrivateKey key, List<X509Certificate> chain) {
        this.key = key;
        this.chain = chain.toArray(new X509Certificate[0]);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes, issuers);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return fits(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    private String choose(String[] keyTypes, Principal[] issuers) {
        if (keyTypes != null) {
            boolean any = false;
            for (String type : keyTypes) {
                any |= fits(type);
            }
            if (!any) {
                LOG.debug("server accepts client key types {}, the configured key is {}", List.of(keyTypes),
                        key.getAlgorithm());
                return null;
            }
        }
        if (issuers != null && issuers.length > 0 && LOG.isDebugEnabled()) {
            LOG.debug("server lists {} acceptable certificate authorities; presenting {}", issuers.length,
                    chain[0].getSubjectX500Principal());
        }
        return ALIAS;
    }

    private boolean fits(String keyType) {
        String algorithm = key.getAlgorithm();
        return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_"));
    }
}
