package org.eclipse.kura.ssl;

import java.io.IOException;
import java.security.GeneralSecurityException;

import javax.net.ssl.SSLContext;

/** Declaration of the SslManagerService method the adapter calls. */
public interface SslManagerService {

    SSLContext getSSLContext() throws GeneralSecurityException, IOException;
}
