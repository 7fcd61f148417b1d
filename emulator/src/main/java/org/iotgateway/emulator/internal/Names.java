package org.iotgateway.emulator.internal;

import java.util.regex.Pattern;

/** Name rules of AWS IoT. */
public final class Names {
    private static final Pattern THING = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    private static final Pattern SHADOW = Pattern.compile("[a-zA-Z0-9:_-]{1,64}");
    private static final Pattern JOB_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private Names() {
    }

    public static boolean isThingName(String s) {
        return s != null && THING.matcher(s).matches();
    }

    public static boolean isShadowName(String s) {
        return s != null && SHADOW.matcher(s).matches();
    }

    public static boolean isJobId(String s) {
        return s != null && JOB_ID.matcher(s).matches();
    }

    public static String requireThingName(String s) {
        if (!isThingName(s)) {
            throw new IllegalArgumentException("thing name must match [a-zA-Z0-9:_-]{1,128}: " + s);
        }
        return s;
    }

    /** Null (classic shadow) or a valid shadow name. */
    public static String requireShadowName(String s) {
        if (s != null && !isShadowName(s)) {
            throw new IllegalArgumentException("shadow name must match [a-zA-Z0-9:_-]{1,64}: " + s);
        }
        return s;
    }

    public static String requireJobId(String s) {
        if (!isJobId(s)) {
            throw new IllegalArgumentException("job id must match [a-zA-Z0-9_-]{1,64}: " + s);
        }
        return s;
    }
}
