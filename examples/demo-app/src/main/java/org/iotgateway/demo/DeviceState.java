package org.iotgateway.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the example device is: an LED and a telemetry interval. Applying desired state checks every value; what is
 * not understood is refused with a reason, the rest is applied.
 */
final class DeviceState {

    static final String LED = "led";
    static final String INTERVAL = "telemetryInterval";
    static final int MIN_INTERVAL = 1;
    static final int MAX_INTERVAL = 3600;

    /** The outcome of applying desired state. */
    static final class Applied {
        final List<String> changes = new ArrayList<>();
        final List<String> refused = new ArrayList<>();
        /** The state to report: every key the desired state named that the device understands. */
        final Map<String, Object> reported = new LinkedHashMap<>();
    }

    private boolean ledOn;
    private int intervalSeconds;

    DeviceState(int intervalSeconds) {
        this.intervalSeconds = checkInterval(intervalSeconds);
    }

    synchronized int intervalSeconds() {
        return intervalSeconds;
    }

    synchronized boolean ledOn() {
        return ledOn;
    }

    synchronized Map<String, Object> reported() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(LED, ledOn ? "on" : "off");
        m.put(INTERVAL, intervalSeconds);
        return m;
    }

    /** @return the previous interval */
    synchronized int setInterval(int seconds) {
        int previous = intervalSeconds;
        intervalSeconds = checkInterval(seconds);
        return previous;
    }

    synchronized Applied apply(Map<String, Object> desired) {
        Applied a = new Applied();
        for (Map.Entry<String, Object> e : desired.entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case LED:
                    if ("on".equals(v) || "off".equals(v)) {
                        boolean on = "on".equals(v);
                        if (on != ledOn) {
                            a.changes.add("led " + (ledOn ? "on" : "off") + " -> " + v);
                            ledOn = on;
                        }
                        a.reported.put(LED, v);
                    } else {
                        a.refused.add("led=" + shorten(v) + " (expected \"on\" or \"off\")");
                    }
                    break;
                case INTERVAL:
                    Integer seconds = seconds(v);
                    if (seconds != null) {
                        if (seconds != intervalSeconds) {
                            a.changes.add("telemetry interval " + intervalSeconds + " s -> " + seconds + " s");
                            intervalSeconds = seconds;
                        }
                        a.reported.put(INTERVAL, seconds);
                    } else {
                        a.refused.add("telemetryInterval=" + shorten(v) + " (expected whole seconds, " + MIN_INTERVAL
                                + "-" + MAX_INTERVAL + ")");
                    }
                    break;
                default:
                    a.refused.add(shorten(e.getKey()) + " (not a setting of this device)");
            }
        }
        return a;
    }

    /** Whole seconds within range from a JSON number or a string of digits; null otherwise. */
    static Integer seconds(Object v) {
        long n;
        if (v instanceof Integer || v instanceof Long) {
            n = ((Number) v).longValue();
        } else if (v instanceof String && ((String) v).matches("\\d{1,5}")) {
            n = Long.parseLong((String) v);
        } else {
            return null;
        }
        return n >= MIN_INTERVAL && n <= MAX_INTERVAL ? (int) n : null;
    }

    private static int checkInterval(int seconds) {
        if (seconds < MIN_INTERVAL || seconds > MAX_INTERVAL) {
            throw new IllegalArgumentException("telemetry interval " + seconds + " s is out of range " + MIN_INTERVAL
                    + "-" + MAX_INTERVAL);
        }
        return seconds;
    }

    /** A value fit for a log line. */
    static String shorten(Object v) {
        String s = String.valueOf(v);
        if (s.length() > 40) {
            s = s.substring(0, 40) + "...";
        }
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
