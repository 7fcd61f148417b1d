package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small DER codec, checked against BouncyCastle's encoder. */
class DerTest {

    @ParameterizedTest
    @ValueSource(strings = {"1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "1.3.132.0.34",
        "2.16.840.1.101.3.4.1.42", "2.999.3", "0.9.2342.19200300.100.1.1"})
    void objectIdentifiersRoundTrip(String oid) throws Exception {
        byte[] expected = new ASN1ObjectIdentifier(oid).getEncoded();
        assertArrayEquals(expected, Der.oid(oid));
        assertEquals(oid, Der.parse(expected).oid());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 255, 256, 65535, 65536, 300000})
    void lengthsRoundTrip(int length) throws Exception {
        byte[] content = new byte[length];
        Arrays.fill(content, (byte) 7);
        byte[] expected = new DEROctetString(content).getEncoded();
        assertArrayEquals(expected, Der.octetString(content));
        assertArrayEquals(content, Der.parse(expected).content());
    }

    @Test
    void malformedInputIsRejected() {
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[] {0x30, 0x05, 0x02, 0x01}));
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[] {0x30, (byte) 0x80, 0x00, 0x00}));
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[] {0x05, 0x00, 0x05}));
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[] {0x30, (byte) 0x85, 1, 1, 1, 1, 1}));
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[] {0x06, 0x02, 0x2A, (byte) 0x86}).oid());
        assertThrows(Der.DerException.class, () -> Der.parse(new byte[0]));
    }
}
