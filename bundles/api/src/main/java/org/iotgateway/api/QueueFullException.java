package org.iotgateway.api;

/**
 * The connection is not connected and its offline queue is full: the publish was rejected
 * (DROP_NEWEST) or an older queued publish was evicted to make room for a newer one (DROP_OLDEST).
 */
public class QueueFullException extends NotConnectedException {

    private static final long serialVersionUID = 1L;

    /** @param message the details */
    public QueueFullException(String message) {
        super(message);
    }
}
