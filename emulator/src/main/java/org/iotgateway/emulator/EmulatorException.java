package org.iotgateway.emulator;

/** The emulator could not start, stop or complete a control operation. */
public class EmulatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmulatorException(String message) {
        super(message);
    }

    public EmulatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
