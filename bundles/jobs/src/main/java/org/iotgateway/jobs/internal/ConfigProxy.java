package org.iotgateway.jobs.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds {@link JobsConfig} instances from a property map the way Declarative Services does:
 * the property name is the method name with '_' read as '.', the value converted to the method's
 * type, the annotation default when absent. Used outside OSGi ({@link Jobs#open}).
 */
final class ConfigProxy {

    private ConfigProxy() {
    }

    static JobsConfig jobs(Map<String, ?> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        return (JobsConfig) Proxy.newProxyInstance(JobsConfig.class.getClassLoader(), new Class<?>[] { JobsConfig.class },
                (proxy, method, args) -> {
                    Class<?> declaring = method.getDeclaringClass();
                    if (declaring == Object.class || declaring == Annotation.class) {
                        switch (method.getName()) {
                            case "toString":
                                return "JobsConfig" + props;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            case "annotationType":
                                return JobsConfig.class;
                            default:
                                throw new UnsupportedOperationException(method.getName());
                        }
                    }
                    String key = method.getName().replace('_', '.');
                    Object value = props.get(key);
                    if (value == null) {
                        Object dflt = method.getDefaultValue();
                        if (dflt == null && method.getReturnType() == String.class) {
                            return "";
                        }
                        return dflt;
                    }
                    return convert(key, value, method);
                });
    }

    private static Object convert(String key, Object value, Method method) {
        Class<?> type = method.getReturnType();
        String s = String.valueOf(value).trim();
        try {
            if (type == String.class) {
                return String.valueOf(value);
            }
            if (type == int.class) {
                return value instanceof Number ? ((Number) value).intValue() : Integer.parseInt(s);
            }
            if (type == boolean.class) {
                return value instanceof Boolean ? value : Boolean.parseBoolean(s);
            }
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(key, "'" + value + "' is not a whole number");
        }
        throw new IllegalStateException("unsupported property type " + type);
    }
}
