package org.iotgateway.jobs.internal;

/** A configuration property has an invalid value; the message names the property. */
final class InvalidConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InvalidConfigurationException(String property, String message) {
        super(property + ": " + message);
    }
}
