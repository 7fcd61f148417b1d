package org.eclipse.kura.security.keystore;

import java.security.KeyStore;
import java.util.List;

import javax.net.ssl.KeyManager;

import org.eclipse.kura.KuraException;

/** Declaration of the KeystoreService methods the adapter calls. */
public interface KeystoreService {

    KeyStore getKeyStore() throws KuraException;

    List<KeyManager> getKeyManagers(String algorithm) throws KuraException;
}
