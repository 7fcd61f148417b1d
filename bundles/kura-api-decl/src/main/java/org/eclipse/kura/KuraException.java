package org.eclipse.kura;

/** Declaration of Kura's checked exception: a code and message arguments. */
public class KuraException extends Exception {

    private static final long serialVersionUID = 1L;

    private final KuraErrorCode code;

    public KuraException(KuraErrorCode code) {
        this(code, null, new Object[0]);
    }

    public KuraException(KuraErrorCode code, Object... arguments) {
        this(code, null, arguments);
    }

    public KuraException(KuraErrorCode code, Throwable cause, Object... arguments) {
        super(code + (arguments == null || arguments.length == 0 ? "" : ": " + java.util.Arrays.toString(arguments)),
                cause);
        this.code = code;
    }

    public KuraErrorCode getCode() {
        return code;
    }
}
