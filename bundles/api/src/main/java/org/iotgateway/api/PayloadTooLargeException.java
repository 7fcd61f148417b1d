package org.iotgateway.api;

/**
 * A payload exceeds the size the service accepts; nothing was sent or queued.
 */
public class PayloadTooLargeException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    private final long size;
    private final long limit;

    /**
     * @param what  what was too large (for example the topic the message was for)
     * @param size  its size in bytes
     * @param limit the limit in bytes
     */
    public PayloadTooLargeException(String what, long size, long limit) {
        super(what + " is " + size + " bytes, over the limit of " + limit + " bytes");
        this.size = size;
        this.limit = limit;
    }

    /** @return the size in bytes */
    public long size() {
        return size;
    }

    /** @return the limit in bytes */
    public long limit() {
        return limit;
    }
}
