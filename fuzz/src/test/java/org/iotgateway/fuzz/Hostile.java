package org.iotgateway.fuzz;

import java.nio.charset.StandardCharsets;

/** Hostile inputs every parser must reject cleanly (no StackOverflowError, no OutOfMemoryError). */
public final class Hostile {

    private Hostile() {
    }

    /** {@code {"k":[[[[...]]]]}}: an object whose field holds {@code depth} nested arrays. */
    public static byte[] nestedArraysIn(String field, int depth) {
        StringBuilder sb = new StringBuilder("{\"").append(field).append("\":");
        sb.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code {"k":{"k":{...}}}} nested {@code depth} objects deep. */
    public static byte[] nestedObjects(String field, int depth) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            sb.append("{\"").append(field).append("\":");
        }
        sb.append('1');
        sb.append("}".repeat(depth));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
