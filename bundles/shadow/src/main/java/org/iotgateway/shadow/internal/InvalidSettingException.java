package org.iotgateway.shadow.internal;

/**
 * A configuration property of a shadow is invalid; the message names the property.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;

    InvalidSettingException(String property, String problem) {
        super(property + ": " + problem);
        this.property = property;
    }

    /** @return the name of the invalid property */
    public String property() {
        return property;
    }
}
