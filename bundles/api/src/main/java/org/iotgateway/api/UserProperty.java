package org.iotgateway.api;

import java.util.Objects;

/**
 * An MQTT 5 user property: a name and value pair carried by a message. A message may carry the
 * same name several times; order is kept end to end.
 */
public final class UserProperty {

    private final String name;
    private final String value;

    private UserProperty(String name, String value) {
        this.name = name;
        this.value = value;
    }

    /**
     * @param name  the name: a valid MQTT UTF-8 string (at most 65,535 bytes, no U+0000, no unpaired surrogate)
     * @param value the value, the same rules
     * @return the property
     * @throws InvalidRequestException naming the property if the name or value is invalid
     */
    public static UserProperty of(String name, String value) {
        MqttStrings.check("user property name", name);
        MqttStrings.check("value of user property '" + MqttStrings.shorten(name) + "'", value);
        return new UserProperty(name, value);
    }

    /** @return the name */
    public String name() {
        return name;
    }

    /** @return the value */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserProperty && ((UserProperty) o).name.equals(name) && ((UserProperty) o).value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, value);
    }

    @Override
    public String toString() {
        return MqttStrings.shorten(name) + "=" + MqttStrings.shorten(value);
    }
}
