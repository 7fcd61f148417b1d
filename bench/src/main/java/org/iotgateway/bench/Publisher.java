package org.iotgateway.bench;

/**
 * One client under test: raw Paho or an {@code IoTConnection}, already connected.
 * {@link #publish} is called from a single thread; completions arrive on the client's threads.
 */
interface Publisher extends AutoCloseable {

    /** What the benchmark does when a publish completes. */
    interface Completion {
        /** The publish was written (QoS 0) or acknowledged (QoS 1). */
        void done();

        /** The publish failed. */
        void failed(Throwable cause);
    }

    /** @return a short name for the tables */
    String label();

    /**
     * Starts one publish (not retained).
     *
     * @param topic      the topic
     * @param payload    the payload; not modified by the caller afterwards
     * @param qos        0 or 1
     * @param completion told exactly once about the outcome
     * @throws Exception if the client refuses the publish at once
     */
    void publish(String topic, byte[] payload, int qos, Completion completion) throws Exception;

    /** Disconnects and releases the client. */
    @Override
    void close();
}
