package org.iotgateway.emulator;

/**
 * A shadow request made through {@link EmulatorControl} was rejected with the code and message the
 * service would have published on {@code /rejected}.
 */
public class ShadowRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    public ShadowRejectedException(int code, String message) {
        super(code + " " + message);
        this.code = code;
    }

    /** The HTTP-style error code (400, 404, 409, 413, ...). */
    public int code() {
        return code;
    }
}
