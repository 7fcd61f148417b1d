package org.iotgateway.api;

/**
 * MQTT quality of service levels supported by AWS IoT Core (QoS 2 is not supported there).
 */
public enum QoS {
    /** Fire and forget: the publish completes once written to the network. */
    AT_MOST_ONCE(0),
    /** Acknowledged delivery: the publish completes on PUBACK; it may be delivered more than once. */
    AT_LEAST_ONCE(1);

    private final int level;

    QoS(int level) {
        this.level = level;
    }

    /** @return the MQTT level, 0 or 1 */
    public int level() {
        return level;
    }

    /**
     * @param level an MQTT QoS level
     * @return the matching QoS
     * @throws InvalidRequestException for any level other than 0 or 1 (QoS 2 included: AWS IoT does not support it)
     */
    public static QoS of(int level) {
        switch (level) {
            case 0:
                return AT_MOST_ONCE;
            case 1:
                return AT_LEAST_ONCE;
            case 2:
                throw new InvalidRequestException("QoS 2 is not supported by AWS IoT Core; use QoS 0 or 1");
            default:
                throw new InvalidRequestException("invalid QoS level " + level + "; use QoS 0 or 1");
        }
    }
}
