package org.iotgateway.shadow.internal;

import java.nio.charset.StandardCharsets;

import org.iotgateway.api.shadow.ShadowOperation;

/**
 * Names and topics of the Device Shadow MQTT API: validation of thing and shadow names, building
 * request topics, parsing reply topics, MQTT filter matching.
 */
final class ShadowTopics {

    /** AWS IoT's longest thing name. */
    static final int MAX_THING_NAME = 128;
    /** AWS IoT's longest shadow name. */
    static final int MAX_SHADOW_NAME = 64;

    private ShadowTopics() {
    }

    /**
     * @param thing a thing name
     * @return {@code null} if valid, else why not (for a message naming the property)
     */
    static String checkThingName(String thing) {
        return checkName(thing, MAX_THING_NAME, "thing name");
    }

    /**
     * @param shadow a shadow name; empty means the classic shadow and is valid
     * @return {@code null} if valid, else why not
     */
    static String checkShadowName(String shadow) {
        if (shadow == null || shadow.isEmpty()) {
            return null;
        }
        return checkName(shadow, MAX_SHADOW_NAME, "shadow name");
    }

    private static String checkName(String name, int max, String what) {
        if (name == null || name.isEmpty()) {
            return what + " is empty";
        }
        if (name.length() > max) {
            return what + " '" + abbreviate(name) + "' is " + name.length() + " characters long; AWS IoT allows at most " + max;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_'
                    || c == '-';
            if (!ok) {
                String shown = c == '+' || c == '#' ? "MQTT wildcard '" + c + "'"
                        : c == '/' ? "topic separator '/'" : Character.isISOControl(c) || Character.isWhitespace(c)
                                ? String.format("character U+%04X", (int) c) : "character '" + c + "'";
                return what + " '" + abbreviate(name) + "' contains " + shown + " at position " + (i + 1)
                        + "; only letters, digits, ':', '_' and '-' are allowed";
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 140 ? s : s.substring(0, 140) + "...";
    }

    /** @return the request topic of an operation, e.g. {@code $aws/things/t/shadow/update} */
    static String requestTopic(ShadowKey key, ShadowOperation op) {
        return key.prefix + "/" + op.topic();
    }

    /** What a reply topic says: whose shadow, which operation, which kind of reply. */
    static final class Reply {
        final ShadowKey key;
        /** get, update, delete */
        final String operation;
        /** accepted, rejected, delta, documents */
        final String kind;

        Reply(ShadowKey key, String operation, String kind) {
            this.key = key;
            this.operation = operation;
            this.kind = kind;
        }

        ShadowOperation op() {
            switch (operation) {
                case "get":
                    return ShadowOperation.GET;
                case "update":
                    return ShadowOperation.UPDATE;
                case "delete":
                    return ShadowOperation.DELETE;
                default:
                    return null;
            }
        }
    }

    /**
     * @param topic a topic a message arrived on
     * @return the parsed reply, or {@code null} if the topic is not a shadow reply topic
     */
    static Reply parse(String topic) {
        if (!topic.startsWith("$aws/things/")) {
            return null;
        }
        String[] p = topic.split("/", -1);
        String thing;
        String shadow;
        String op;
        String kind;
        if (p.length == 6 && "shadow".equals(p[3])) {
            thing = p[2];
            shadow = "";
            op = p[4];
            kind = p[5];
        } else if (p.length == 8 && "shadow".equals(p[3]) && "name".equals(p[4])) {
            thing = p[2];
            shadow = p[5];
            op = p[6];
            kind = p[7];
        } else {
            return null;
        }
        boolean known;
        switch (kind) {
            case "accepted":
            case "rejected":
                known = "get".equals(op) || "update".equals(op) || "delete".equals(op);
                break;
            case "delta":
            case "documents":
                known = "update".equals(op);
                break;
            default:
                known = false;
        }
        if (!known || thing.isEmpty() || (p.length == 8 && shadow.isEmpty())) {
            return null;
        }
        return new Reply(new ShadowKey(thing, shadow), op, kind);
    }

    /**
     * MQTT 3.1.1 topic matching ({@code +} one level, trailing {@code #} any number of levels).
     *
     * @param filter a valid filter
     * @param topic  a topic
     * @return whether the filter matches the topic
     */
    static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        if (!topic.isEmpty() && topic.charAt(0) == '$' && (f[0].equals("+") || f[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /** @return the UTF-8 length of a string */
    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
