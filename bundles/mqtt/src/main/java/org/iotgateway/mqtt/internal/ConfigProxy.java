package org.iotgateway.mqtt.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds {@link ConnectionConfig} instances the way Declarative Services does: property names are
 * the method names with '_' read as '.', values converted to the method's return type, defaults
 * from the annotation.
 */
final class ConfigProxy {

    private ConfigProxy() {
    }

    static ConnectionConfig connection(Map<String, ?> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        return (ConnectionConfig) Proxy.newProxyInstance(ConnectionConfig.class.getClassLoader(),
                new Class<?>[] { ConnectionConfig.class }, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class || method.getDeclaringClass() == java.lang.annotation.Annotation.class) {
                        switch (method.getName()) {
                            case "toString":
                                return "ConnectionConfig" + props.keySet(); // keys only: values may be secrets
                            case "hashCode":
                                return props.hashCode();
                            case "equals":
                                return proxy == args[0];
                            case "annotationType":
                                return ConnectionConfig.class;
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    }
                    String key = method.getName().replace('_', '.');
                    Object value = props.get(key);
                    if (value == null) {
                        return method.getDefaultValue();
                    }
                    return convert(value, method);
                });
    }

    private static Object convert(Object value, Method method) {
        Class<?> type = method.getReturnType();
        String s = String.valueOf(value);
        if (type == String.class) {
            return s;
        }
        if (type == int.class) {
            return Integer.parseInt(s.trim());
        }
        if (type == long.class) {
            return Long.parseLong(s.trim());
        }
        if (type == double.class) {
            return Double.parseDouble(s.trim());
        }
        if (type == boolean.class) {
            return Boolean.parseBoolean(s.trim());
        }
        throw new IllegalArgumentException("unsupported type " + type);
    }
}
