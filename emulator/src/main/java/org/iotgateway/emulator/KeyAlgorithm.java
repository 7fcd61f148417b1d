package org.iotgateway.emulator;

/** Key type of the certificates the emulator generates. */
public enum KeyAlgorithm {
    /** ECDSA on P-256, signed with SHA256withECDSA: fast to generate (the default). */
    EC_P256,
    /** RSA 2048, signed with SHA256withRSA: what AWS IoT issues by default. */
    RSA_2048
}
