package org.iotgateway.api.shadow;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.iotgateway.api.InvalidRequestException;

/**
 * Deep, immutable copies of JSON-like Java values (maps, lists, strings, numbers, booleans, null),
 * with a clear error naming the path of a value that has no JSON form.
 */
final class JsonValues {

    private JsonValues() {
    }

    /**
     * @param map  a JSON object as a map, or {@code null}
     * @param path the name of the map for error messages (e.g. {@code desired})
     * @return an unmodifiable deep copy keeping key order and {@code null} values; an empty map for {@code null}
     * @throws InvalidRequestException naming the path of a key that is not a String or a value without a JSON form
     */
    static Map<String, Object> copyObject(Map<?, ?> map, String path) {
        if (map == null) {
            return Collections.emptyMap();
        }
        Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object key = e.getKey();
            if (!(key instanceof String)) {
                throw new InvalidRequestException(path + ": key " + key + " is not a String; JSON object keys are strings");
            }
            String k = (String) key;
            copy.put(k, copyValue(e.getValue(), path + "." + k));
        }
        return Collections.unmodifiableMap(copy);
    }

    private static Object copyValue(Object value, String path) {
        if (value == null || value instanceof String || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new InvalidRequestException(path + ": " + value + " has no JSON form");
            }
            return value;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Number) {
            // other Number types (AtomicLong, ...) are mutable or unknown: keep their decimal value
            try {
                return new BigDecimal(value.toString());
            } catch (NumberFormatException e) {
                throw new InvalidRequestException(path + ": " + value + " (" + value.getClass().getName()
                        + ") has no JSON form");
            }
        }
        if (value instanceof Map) {
            return copyObject((Map<?, ?>) value, path);
        }
        if (value instanceof Collection) {
            Collection<?> c = (Collection<?>) value;
            List<Object> list = new ArrayList<>(c.size());
            int i = 0;
            for (Object element : c) {
                list.add(copyValue(element, path + "[" + i++ + "]"));
            }
            return Collections.unmodifiableList(list);
        }
        throw new InvalidRequestException(path + ": values of type " + value.getClass().getName()
                + " have no JSON form; use Map, List, String, Number, Boolean or null");
    }
}
