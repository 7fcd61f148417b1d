package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;

import org.iotgateway.testsupport.SoftHsm;
import org.iotgateway.testsupport.SoftHsm.Token;
import org.iotgateway.testsupport.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two copies of this package in one JVM, as in OSGi, where the connection and Greengrass discovery bundles each embed
 * it privately and may sign with the same token: they share the registered provider and the token's login state, so
 * one copy releasing its last user must not log the token out under the other.
 */
class Pkcs11KeysCopiesTest {

    @TempDir
    static Path dir;
    private static SoftHsm hsm;

    @BeforeAll
    static void token() throws Exception {
        hsm = SoftHsm.tokens();
        TestPki pki = TestPki.create(Files.createDirectories(dir.resolve("pki")));
        KeyPair k = hsm.generateKeyPair(Token.MAIN, "EC");
        hsm.storeCertificate(Token.MAIN, "shared", k.getPrivate(), pki.certify("shared", k.getPublic()));
    }

    /** A second copy of org.iotgateway.tls, loaded child-first from the same classes; everything else from the parent. */
    private static ClassLoader secondCopy() {
        URL classes = Pkcs11Keys.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[] { classes }, Pkcs11KeysCopiesTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (!name.startsWith("org.iotgateway.tls.")) {
                    return super.loadClass(name, resolve);
                }
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    return c != null ? c : findClass(name);
                }
            }
        };
    }

    private static Pkcs11Keys.Request request() {
        return new Pkcs11Keys.Request(hsm.libraryPath(), -1, Token.MAIN.label, Token.MAIN.pin.toCharArray(), "shared");
    }

    private static boolean signs(PrivateKey key) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update("challenge".getBytes(StandardCharsets.UTF_8));
            return s.sign().length > 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void releasingTheLastUserOfOneCopyKeepsTheTokenLoggedInForTheOther() throws Exception {
        ClassLoader copy = secondCopy();
        Class<?> keys2 = copy.loadClass(Pkcs11Keys.class.getName());
        assertNotSame(Pkcs11Keys.class, keys2, "a second copy of the class");
        Class<?> request2 = copy.loadClass(Pkcs11Keys.Request.class.getName());
        Object r2 = request2.getConstructor(Path.class, long.class, String.class, char[].class, String.class)
                .newInstance(hsm.libraryPath(), -1L, Token.MAIN.label, Token.MAIN.pin.toCharArray(), "shared");
        Method load2 = keys2.getMethod("load", request2, Object.class);
        Method release2 = keys2.getMethod("release", Object.class);

        Object connection = new Object();
        Object discovery = new Object();
        Pkcs11Keys.TokenKey first = Pkcs11Keys.load(request(), connection);
        Object second = load2.invoke(null, r2, discovery);
        PrivateKey secondKey = (PrivateKey) second.getClass().getMethod("key").invoke(second);
        assertTrue(signs(first.key()) && signs(secondKey));

        // a configuration of the second copy with another PIN does not log the token out under the first copy's
        // user (a logout invalidates the token's key handles)
        Object other = request2.getConstructor(Path.class, long.class, String.class, char[].class, String.class)
                .newInstance(hsm.libraryPath(), -1L, Token.MAIN.label, "0000-other".toCharArray(), "shared");
        Object otherOwner = new Object();
        try {
            load2.invoke(null, other, otherOwner);
        } catch (java.lang.reflect.InvocationTargetException e) {
            // refused or not: either way the first copy's key must keep working
        }
        assertTrue(signs(first.key()), "a PIN check of the other copy logged the token out");
        release2.invoke(null, otherOwner);
        assertTrue(signs(first.key()) && signs(secondKey));

        // the first copy's last user goes (e.g. its configuration is deleted): the second copy still signs
        Pkcs11Keys.release(connection);
        assertTrue(signs(secondKey), "the token was logged out under the other copy's user");

        // the last user of all goes: logged out, the key cannot sign any more
        release2.invoke(null, discovery);
        assertTrue(!signs(secondKey) && !signs(first.key()), "the token stayed logged in without users");

        // and it comes back for a new user
        Pkcs11Keys.TokenKey again = Pkcs11Keys.load(request(), connection);
        assertTrue(signs(again.key()));
        Pkcs11Keys.release(connection);
    }
}
