package org.iotgateway.greengrass.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds configuration annotation instances the way Declarative Services does, outside a framework (tests, tools):
 * property names are the method names with {@code '_'} read as {@code '.'}, values converted to the method's return
 * type, defaults from the annotation; an element without default and without value is {@code null} (or 0/false).
 */
final class ConfigProxy {

    private ConfigProxy() {
    }

    static <A extends Annotation> A of(Class<A> type, Map<String, ?> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class || method.getDeclaringClass() == Annotation.class) {
                switch (method.getName()) {
                    case "toString":
                        return type.getSimpleName() + props.keySet();
                    case "hashCode":
                        return props.hashCode();
                    case "equals":
                        return self == args[0];
                    case "annotationType":
                        return type;
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            }
            Object value = props.get(method.getName().replace('_', '.'));
            if (value == null) {
                Object d = method.getDefaultValue();
                if (d != null) {
                    return d;
                }
                Class<?> t = method.getReturnType();
                return t == int.class ? 0 : t == long.class ? 0L : t == boolean.class ? false : null;
            }
            return convert(value, method);
        });
        return type.cast(proxy);
    }

    private static Object convert(Object value, Method method) {
        Class<?> type = method.getReturnType();
        String s = String.valueOf(value).trim();
        if (type == String.class) {
            return String.valueOf(value);
        }
        if (type == int.class) {
            return Integer.parseInt(s);
        }
        if (type == long.class) {
            return Long.parseLong(s);
        }
        if (type == boolean.class) {
            return Boolean.parseBoolean(s);
        }
        throw new IllegalArgumentException("unsupported type " + type);
    }
}
