package org.eclipse.kura;

/** Declaration: a failed connect. */
public class KuraConnectException extends KuraException {

    private static final long serialVersionUID = 1L;

    public KuraConnectException(Object argument) {
        super(KuraErrorCode.CONNECTION_FAILED, argument);
    }

    public KuraConnectException(Throwable cause, Object argument) {
        super(KuraErrorCode.CONNECTION_FAILED, cause, argument);
    }
}
