package org.iotgateway.greengrass.internal;

/**
 * A configuration property has an invalid value; the message names the property.
 */
final class InvalidConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;

    InvalidConfigurationException(String property, String message) {
        super(property + ": " + message);
        this.property = property;
    }

    InvalidConfigurationException(String property, String message, Throwable cause) {
        super(property + ": " + message, cause);
        this.property = property;
    }

    String property() {
        return property;
    }
}
