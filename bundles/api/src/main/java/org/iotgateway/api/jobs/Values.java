package org.iotgateway.api.jobs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.iotgateway.api.InvalidRequestException;

/** Copying and checking helpers of the value types; not API. */
final class Values {

    /** AWS IoT: status detail keys are 1 to 128 characters of {@code [a-zA-Z0-9:_-]}. */
    static final Pattern DETAIL_KEY = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    /** AWS IoT: status detail values are 1 to 1024 characters without control characters. */
    static final int MAX_DETAIL_VALUE = 1024;
    /** AWS IoT: job ids are 1 to 64 characters of {@code [a-zA-Z0-9_-]}. */
    static final Pattern JOB_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private Values() {
    }

    /** An unmodifiable, insertion-ordered copy of status details received from the service (not checked). */
    static Map<String, String> details(Map<String, String> details) {
        if (details == null || details.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /**
     * An unmodifiable copy of status details a device sends, checked against AWS IoT's rules.
     *
     * @throws InvalidRequestException naming the offending key
     */
    static Map<String, String> checkedDetails(Map<String, String> details) {
        if (details == null || details.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : details.entrySet()) {
            String key = e.getKey();
            if (key == null || !DETAIL_KEY.matcher(key).matches()) {
                throw new InvalidRequestException("status detail key '" + key
                        + "' is invalid: use 1 to 128 characters of [a-zA-Z0-9:_-]");
            }
            String value = e.getValue();
            if (value == null || value.isEmpty()) {
                throw new InvalidRequestException("status detail '" + key + "' has no value: values must be 1 to "
                        + MAX_DETAIL_VALUE + " characters");
            }
            if (value.length() > MAX_DETAIL_VALUE) {
                throw new InvalidRequestException("status detail '" + key + "' is " + value.length()
                        + " characters long: at most " + MAX_DETAIL_VALUE + " are allowed");
            }
            for (int i = 0; i < value.length(); i++) {
                if (Character.isISOControl(value.charAt(i))) {
                    throw new InvalidRequestException("status detail '" + key
                            + "' contains a control character (e.g. a line break), which AWS IoT refuses");
                }
            }
            copy.put(key, value);
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * A human message made acceptable as a status detail value: control characters become spaces,
     * at most 1024 characters, never empty.
     */
    static String detailText(String text, String fallback) {
        String s = text == null ? "" : text;
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_DETAIL_VALUE));
        for (int i = 0; i < s.length() && sb.length() < MAX_DETAIL_VALUE; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        String out = sb.toString().trim();
        return out.isEmpty() ? fallback : out;
    }

    /** A deep, unmodifiable copy of JSON-like content: maps, lists, strings, numbers, booleans and nulls. */
    static Object deepCopy(Object value, String path) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new IllegalArgumentException("key " + e.getKey() + " at " + path + " is not a string");
                }
                String key = (String) e.getKey();
                copy.put(key, deepCopy(e.getValue(), path + "." + key));
            }
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List) {
            List<Object> copy = new ArrayList<>();
            int i = 0;
            for (Object o : (List<?>) value) {
                copy.add(deepCopy(o, path + "[" + i++ + "]"));
            }
            return Collections.unmodifiableList(copy);
        }
        throw new IllegalArgumentException("value at " + path + " is a " + value.getClass().getName()
                + "; JSON content is made of maps, lists, strings, numbers, booleans and nulls");
    }

    /**
     * @throws InvalidRequestException if the job id does not follow AWS IoT's rules
     */
    static String checkJobId(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new InvalidRequestException("job id '" + jobId + "' is invalid: use 1 to 64 characters of [a-zA-Z0-9_-]");
        }
        return jobId;
    }
}
