package org.iotgateway.fuzz;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Independent statements of the shadow rules the fuzz targets check the parsers against: written differently from
 * the code under test (iteratively where that code recurses), so a shared mistake is unlikely.
 */
public final class JsonOracle {

    private JsonOracle() {
    }

    /**
     * AWS IoT's delta rule as containment: every key of desired is in reported with the same value, objects
     * compared key by key (extra keys in reported do not matter), arrays whole, numbers by value.
     */
    public static boolean contained(JsonNode desired, JsonNode reported) {
        Iterator<Map.Entry<String, JsonNode>> it = desired.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode r = reported == null || !reported.isObject() ? null : reported.get(e.getKey());
            if (r == null) {
                return false;
            }
            JsonNode d = e.getValue();
            if (d.isObject() && r.isObject()) {
                if (!contained(d, r)) {
                    return false;
                }
            } else if (!sameValue(d, r)) {
                return false;
            }
        }
        return true;
    }

    /** Deep equality with numbers compared by value (1 equals 1.0); non-finite doubles equal only themselves. */
    public static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            BigDecimal x = decimal(a);
            BigDecimal y = decimal(b);
            if (x == null || y == null) {
                return x == null && y == null && a.doubleValue() == b.doubleValue();
            }
            return x.compareTo(y) == 0;
        }
        if (a.getNodeType() != b.getNodeType() || a.size() != b.size()) {
            return false;
        }
        if (a.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !sameValue(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray()) {
            for (int i = 0; i < a.size(); i++) {
                if (!sameValue(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n.isDouble() || n.isFloat()) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
        }
        return n.decimalValue();
    }

    /** Nesting depth without recursion: a scalar 0, a container 1 + its deepest child. */
    public static int depth(JsonNode root) {
        if (root == null || !root.isContainerNode()) {
            return 0;
        }
        int max = 0;
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 1});
        while (!stack.isEmpty()) {
            Object[] top = stack.pop();
            JsonNode n = (JsonNode) top[0];
            int d = (Integer) top[1];
            max = Math.max(max, d);
            for (JsonNode child : n) {
                if (child.isContainerNode()) {
                    stack.push(new Object[] {child, d + 1});
                }
            }
        }
        return max;
    }
}
