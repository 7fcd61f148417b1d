package org.eclipse.kura;

/** Declaration: a failed disconnect. */
public class KuraDisconnectException extends KuraException {

    private static final long serialVersionUID = 1L;

    public KuraDisconnectException(Object argument) {
        super(KuraErrorCode.DISCONNECTION_FAILED, argument);
    }

    public KuraDisconnectException(Throwable cause, Object argument) {
        super(KuraErrorCode.DISCONNECTION_FAILED, cause, argument);
    }
}
