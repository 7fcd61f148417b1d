package org.iotgateway.emulator.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.security.auth.x500.X500Principal;

/**
 * Builds the emulator's X.509 v3 certificates with the JDK alone: a small DER encoder and
 * {@link Signature}. BouncyCastle used to do this; loading it (and verifying its signed jars) cost a
 * cold JVM over a second of CPU on every start that had to generate certificates.
 */
final class CertificateIssuer {
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_SUBJECT_KEY_ID = "2.5.29.14";
    private static final String OID_AUTHORITY_KEY_ID = "2.5.29.35";
    private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
    private static final String OID_RSA_SHA256 = "1.2.840.113549.1.1.11";

    // KeyUsage bits, numbered from the most significant bit of the first byte (RFC 5280 4.2.1.3)
    private static final int DIGITAL_SIGNATURE = 0x80;
    private static final int KEY_ENCIPHERMENT = 0x20;
    private static final int KEY_CERT_SIGN = 0x04;
    private static final int CRL_SIGN = 0x02;

    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private CertificateIssuer() {
    }

    /** A self-signed CA certificate valid for 10 years. */
    static X509Certificate ca(String distinguishedName, KeyPair kp, BigInteger serial) throws GeneralSecurityException {
        byte[] name = new X500Principal(distinguishedName).getEncoded();
        byte[] keyId = keyIdentifier(kp.getPublic());
        List<byte[]> extensions = List.of(
                extension(OID_BASIC_CONSTRAINTS, true, seq(bool(true))),
                extension(OID_KEY_USAGE, true, keyUsage(KEY_CERT_SIGN | CRL_SIGN)),
                extension(OID_SUBJECT_KEY_ID, false, octets(keyId)));
        return sign(name, name, kp.getPublic(), serial, Duration.ofDays(3650), extensions, kp.getPrivate());
    }

    /**
     * A certificate signed by the CA, valid for 5 years: for TLS servers with the given subject
     * alternative names (DNS names or IP addresses), for TLS clients when {@code serverNames} is null.
     */
    static X509Certificate leaf(X509Certificate caCert, PrivateKey caKey, String commonName, PublicKey key,
            BigInteger serial, Collection<String> serverNames) throws GeneralSecurityException {
        byte[] subject = new X500Principal("CN=" + commonName + ", O=iot-gateway-bundles emulator").getEncoded();
        List<byte[]> extensions = new ArrayList<>();
        extensions.add(extension(OID_BASIC_CONSTRAINTS, true, seq()));
        extensions.add(extension(OID_KEY_USAGE, true,
                keyUsage(key instanceof RSAKey ? DIGITAL_SIGNATURE | KEY_ENCIPHERMENT : DIGITAL_SIGNATURE)));
        extensions.add(extension(OID_SUBJECT_KEY_ID, false, octets(keyIdentifier(key))));
        extensions.add(extension(OID_AUTHORITY_KEY_ID, false, seq(tlv(0x80, authorityKeyId(caCert)))));
        if (serverNames == null) {
            extensions.add(extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_CLIENT_AUTH))));
        } else {
            extensions.add(extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH))));
            List<byte[]> names = new ArrayList<>();
            for (String n : serverNames) {
                names.add(Pki.isIpAddress(n) ? tlv(0x87, ipAddress(n)) : tlv(0x82, n.getBytes(StandardCharsets.US_ASCII)));
            }
            extensions.add(extension(OID_SUBJECT_ALT_NAME, false, seq(names.toArray(new byte[0][]))));
        }
        return sign(caCert.getSubjectX500Principal().getEncoded(), subject, key, serial, Duration.ofDays(1825),
                extensions, caKey);
    }

    private static X509Certificate sign(byte[] issuer, byte[] subject, PublicKey key, BigInteger serial,
            Duration validity, List<byte[]> extensions, PrivateKey signer) throws GeneralSecurityException {
        boolean rsa = signer instanceof RSAKey;
        byte[] algorithm = rsa ? seq(oid(OID_RSA_SHA256), new byte[] {0x05, 0x00}) : seq(oid(OID_ECDSA_SHA256));
        Instant now = Instant.now();
        byte[] tbs = seq(
                tlv(0xa0, integer(BigInteger.TWO)), // v3
                integer(serial),
                algorithm,
                issuer,
                seq(time(now.minus(Duration.ofDays(1))), time(now.plus(validity))),
                subject,
                key.getEncoded(), // SubjectPublicKeyInfo
                tlv(0xa3, seq(extensions.toArray(new byte[0][]))));
        Signature s = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
        s.initSign(signer);
        s.update(tbs);
        byte[] certificate = seq(tbs, algorithm, bitString(s.sign()));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate));
    }

    /** The CA's subject key identifier, or one computed from its key when it has none. */
    private static byte[] authorityKeyId(X509Certificate ca) throws GeneralSecurityException {
        byte[] ext = ca.getExtensionValue(OID_SUBJECT_KEY_ID); // OCTET STRING { OCTET STRING keyId }
        if (ext != null) {
            byte[] inner = contents(ext);
            if (inner.length > 0 && inner[0] == 0x04) {
                return contents(inner);
            }
        }
        return keyIdentifier(ca.getPublicKey());
    }

    /** SHA-1 of the encoded public key (RFC 5280 4.2.1.2 allows any method that gives unique values). */
    private static byte[] keyIdentifier(PublicKey key) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-1").digest(key.getEncoded());
    }

    private static byte[] ipAddress(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress(); // an IP literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    // ------------------------------------------------------------------ DER

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical ? seq(oid(oid), bool(true), octets(value)) : seq(oid(oid), octets(value));
    }

    private static byte[] keyUsage(int bits) {
        int unused = Integer.numberOfTrailingZeros(bits);
        return tlv(0x03, new byte[] {(byte) unused, (byte) bits});
    }

    private static byte[] time(Instant t) {
        return t.atZone(ZoneOffset.UTC).getYear() < 2050
                ? tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(0x18, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] bitString(byte[] bytes) {
        byte[] v = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, v, 1, bytes.length);
        return tlv(0x03, v);
    }

    private static byte[] bool(boolean b) {
        return new byte[] {0x01, 0x01, (byte) (b ? 0xff : 0x00)};
    }

    private static byte[] integer(BigInteger i) {
        return tlv(0x02, i.toByteArray());
    }

    private static byte[] octets(byte[] b) {
        return tlv(0x04, b);
    }

    private static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
            for (int g = groups - 1; g >= 0; g--) {
                out.write((int) ((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
            }
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] item : items) {
            out.writeBytes(item);
        }
        return tlv(0x30, out.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** The contents of one DER element (tag and length skipped). */
    private static byte[] contents(byte[] der) {
        int len = der[1] & 0xff;
        int offset = 2;
        if (len >= 0x80) {
            int bytes = len & 0x7f;
            len = 0;
            for (int i = 0; i < bytes; i++) {
                len = (len << 8) | (der[2 + i] & 0xff);
            }
            offset += bytes;
        }
        return Arrays.copyOfRange(der, offset, offset + len);
    }
}
