package org.eclipse.kura;

/** The error codes the adapter uses (a subset of Kura's enum; constants are resolved by name). */
public enum KuraErrorCode {
    CONFIGURATION_ERROR,
    INTERNAL_ERROR,
    NOT_CONNECTED,
    CONNECTION_FAILED,
    DISCONNECTION_FAILED,
    INVALID_PARAMETER,
    OPERATION_NOT_SUPPORTED,
    ENCODE_ERROR,
    BAD_REQUEST,
    SERVICE_UNAVAILABLE
}
