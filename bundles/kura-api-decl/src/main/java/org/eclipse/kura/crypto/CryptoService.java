package org.eclipse.kura.crypto;

import org.eclipse.kura.KuraException;

/** Declaration of the CryptoService method the adapter calls. */
public interface CryptoService {

    char[] decryptAes(char[] encryptedValue) throws KuraException;
}
