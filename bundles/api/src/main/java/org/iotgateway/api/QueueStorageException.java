package org.iotgateway.api;

/**
 * The offline queue could not store a publish (for example the disk queue's directory is full or
 * not writable). The publish was not accepted; publishes accepted before are not affected.
 */
public class QueueStorageException extends IoTException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be stored, where
     * @param cause   the I/O failure
     */
    public QueueStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
