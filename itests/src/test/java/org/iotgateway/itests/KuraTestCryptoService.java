package org.iotgateway.itests;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.crypto.CryptoService;

/**
 * Test stand-in for Kura's CryptoService: AES-GCM with a key made per framework, values as base64. Like the real
 * one, decrypting something that was not encrypted with the key fails with a KuraException.
 */
final class KuraTestCryptoService implements CryptoService {

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    KuraTestCryptoService() throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(128);
        key = generator.generateKey();
    }

    char[] encryptAes(char[] value) throws KuraException {
        try {
            byte[] iv = new byte[12];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            ByteBuffer plain = StandardCharsets.UTF_8.encode(CharBuffer.wrap(value));
            byte[] bytes = new byte[plain.remaining()];
            plain.get(bytes);
            byte[] sealed = cipher.doFinal(bytes);
            Arrays.fill(bytes, (byte) 0);
            byte[] out = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(sealed, 0, out, iv.length, sealed.length);
            return Base64.getEncoder().encodeToString(out).toCharArray();
        } catch (GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, "encryption failed");
        }
    }

    @Override
    public char[] decryptAes(char[] encryptedValue) throws KuraException {
        try {
            byte[] in = Base64.getDecoder().decode(new String(encryptedValue));
            if (in.length < 12 + 16) {
                throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "not an encrypted value");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
            byte[] plain = cipher.doFinal(in, 12, in.length - 12);
            char[] chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(plain)).toString().toCharArray();
            Arrays.fill(plain, (byte) 0);
            return chars;
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER, e, "not an encrypted value");
        }
    }
}
