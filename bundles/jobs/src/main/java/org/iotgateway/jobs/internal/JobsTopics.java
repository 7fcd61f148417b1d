package org.iotgateway.jobs.internal;

import java.util.List;

/**
 * Topics of the AWS IoT Jobs MQTT API ({@code $aws/things/{thing}/jobs/...}).
 */
final class JobsTopics {

    /** What a received jobs topic is. */
    enum Kind {
        NOTIFY, NOTIFY_NEXT, ACCEPTED, REJECTED
    }

    /** A received jobs topic taken apart. */
    static final class Parsed {
        final String thing;
        final Kind kind;
        /** The request the answer belongs to, e.g. {@code get}, {@code start-next}, {@code job-1/update}. */
        final String request;

        Parsed(String thing, Kind kind, String request) {
            this.thing = thing;
            this.kind = kind;
            this.request = request;
        }
    }

    private static final String PREFIX = "$aws/things/";

    private JobsTopics() {
    }

    static String base(String thing) {
        return PREFIX + thing + "/jobs";
    }

    static String list(String thing) {
        return base(thing) + "/get";
    }

    static String startNext(String thing) {
        return base(thing) + "/start-next";
    }

    static String describe(String thing, String jobId) {
        return base(thing) + "/" + jobId + "/get";
    }

    static String update(String thing, String jobId) {
        return base(thing) + "/" + jobId + "/update";
    }

    /**
     * The six filters covering every answer and notification of a thing: notify, notify-next and the
     * accepted / rejected answers of requests with one or two topic levels after {@code jobs/}.
     *
     * @param thing a thing name, or {@code +} for every thing
     */
    static List<String> filters(String thing) {
        String b = base(thing);
        return List.of(b + "/notify", b + "/notify-next", b + "/+/accepted", b + "/+/rejected", b + "/+/+/accepted",
                b + "/+/+/rejected");
    }

    /** @return the parsed topic, or {@code null} if it is none of the answers or notifications of the Jobs API */
    static Parsed parse(String topic) {
        if (topic == null || !topic.startsWith(PREFIX)) {
            return null;
        }
        String[] p = topic.substring(PREFIX.length()).split("/", -1);
        // thing, "jobs", rest...
        if (p.length < 3 || p[0].isEmpty() || !"jobs".equals(p[1])) {
            return null;
        }
        String thing = p[0];
        int rest = p.length - 2;
        if (rest == 1 && "notify".equals(p[2])) {
            return new Parsed(thing, Kind.NOTIFY, null);
        }
        if (rest == 1 && "notify-next".equals(p[2])) {
            return new Parsed(thing, Kind.NOTIFY_NEXT, null);
        }
        if (rest == 2 || rest == 3) {
            String last = p[p.length - 1];
            String request = rest == 2 ? p[2] : p[2] + "/" + p[3];
            if ("accepted".equals(last)) {
                return new Parsed(thing, Kind.ACCEPTED, request);
            }
            if ("rejected".equals(last)) {
                return new Parsed(thing, Kind.REJECTED, request);
            }
        }
        return null;
    }
}
