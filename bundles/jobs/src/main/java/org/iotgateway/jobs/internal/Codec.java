package org.iotgateway.jobs.internal;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.iotgateway.api.jobs.JobDocument;
import org.iotgateway.api.jobs.JobExecution;
import org.iotgateway.api.jobs.JobExecutionState;
import org.iotgateway.api.jobs.JobExecutionStatus;
import org.iotgateway.api.jobs.JobExecutionSummary;
import org.iotgateway.api.jobs.JobUpdate;
import org.iotgateway.api.jobs.JobUpdateResult;
import org.iotgateway.api.jobs.JobsRejectedException;
import org.iotgateway.api.jobs.PendingJobs;

/**
 * JSON of the AWS IoT Jobs MQTT API: request bodies out, answers and notifications in. Decoding is
 * lenient about what it does not need (unknown fields, numbers sent as strings) and strict about
 * what it does, with a {@link MalformedMessageException} naming the field.
 */
final class Codec {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Reads received messages with decimals kept exactly, so a job document is passed on as sent: a number beyond
     * the range of a double (1e999) stays that number instead of becoming Infinity (written back as "Infinity").
     */
    private static final ObjectReader MESSAGE_READER = MAPPER.reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private Codec() {
    }

    /** A message from the service that cannot be understood. */
    static final class MalformedMessageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedMessageException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ requests

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode startNextRequest(Map<String, String> statusDetails, int stepTimeoutMinutes) {
        ObjectNode o = object();
        if (statusDetails != null && !statusDetails.isEmpty()) {
            putDetails(o, statusDetails);
        }
        if (stepTimeoutMinutes > 0) {
            o.put("stepTimeoutInMinutes", stepTimeoutMinutes);
        }
        return o;
    }

    static ObjectNode describeRequest(long executionNumber, boolean includeJobDocument) {
        ObjectNode o = object();
        if (executionNumber > 0) {
            o.put("executionNumber", executionNumber);
        }
        o.put("includeJobDocument", includeJobDocument);
        return o;
    }

    static ObjectNode updateRequest(JobUpdate u) {
        ObjectNode o = object();
        o.put("status", u.status().name());
        if (!u.statusDetails().isEmpty()) {
            putDetails(o, u.statusDetails());
        }
        u.expectedVersion().ifPresent(v -> o.put("expectedVersion", v));
        u.executionNumber().ifPresent(v -> o.put("executionNumber", v));
        if (u.includeJobExecutionState()) {
            o.put("includeJobExecutionState", true);
        }
        if (u.includeJobDocument()) {
            o.put("includeJobDocument", true);
        }
        u.stepTimeoutMinutes().ifPresent(v -> o.put("stepTimeoutInMinutes", v));
        return o;
    }

    private static void putDetails(ObjectNode o, Map<String, String> details) {
        ObjectNode d = o.putObject("statusDetails");
        details.forEach(d::put);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    // ------------------------------------------------------------------ answers

    /**
     * @return the payload as a JSON object
     * @throws MalformedMessageException if it is not one
     */
    static ObjectNode parse(byte[] payload) {
        JsonNode n;
        try {
            n = MESSAGE_READER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new MalformedMessageException("not a JSON object");
        }
        return (ObjectNode) n;
    }

    static Optional<String> clientToken(ObjectNode o) {
        JsonNode t = o.get("clientToken");
        return t != null && t.isTextual() ? Optional.of(t.asText()) : Optional.empty();
    }

    static PendingJobs pendingList(ObjectNode o) {
        return new PendingJobs(summaries(o.get("inProgressJobs"), "inProgressJobs"),
                summaries(o.get("queuedJobs"), "queuedJobs"), instant(o, "timestamp"));
    }

    /** {@code {"timestamp":T,"jobs":{"IN_PROGRESS":[...],"QUEUED":[...]}}} */
    static PendingJobs notify(ObjectNode o) {
        JsonNode jobs = o.get("jobs");
        if (jobs != null && !jobs.isNull() && !jobs.isObject()) {
            throw new MalformedMessageException("jobs is not an object");
        }
        JsonNode inProgress = jobs == null ? null : jobs.get("IN_PROGRESS");
        JsonNode queued = jobs == null ? null : jobs.get("QUEUED");
        return new PendingJobs(summaries(inProgress, "jobs.IN_PROGRESS"), summaries(queued, "jobs.QUEUED"),
                instant(o, "timestamp"));
    }

    /** The {@code execution} field of start-next, describe or notify-next answers; empty if absent. */
    static Optional<JobExecution> executionField(ObjectNode o, String thingName) {
        JsonNode e = o.get("execution");
        if (e == null || e.isNull()) {
            return Optional.empty();
        }
        if (!e.isObject()) {
            throw new MalformedMessageException("execution is not an object");
        }
        return Optional.of(execution((ObjectNode) e, thingName));
    }

    static JobExecution execution(ObjectNode e, String thingName) {
        String jobId = text(e, "jobId", "execution");
        JsonNode thingNode = e.get("thingName");
        String thing = thingNode != null && thingNode.isTextual() ? thingNode.asText() : thingName;
        JobExecutionStatus status = status(e.get("status"), "execution.status");
        JobDocument document = null;
        JsonNode doc = e.get("jobDocument");
        if (doc != null && !doc.isNull()) {
            document = document(doc);
        }
        return JobExecution.builder(jobId, thing, status)
                .statusDetails(details(e.get("statusDetails")))
                .jobDocument(document)
                .queuedAt(instant(e, "queuedAt"))
                .startedAt(instant(e, "startedAt"))
                .lastUpdatedAt(instant(e, "lastUpdatedAt"))
                .versionNumber(number(e, "versionNumber", 0))
                .executionNumber(number(e, "executionNumber", 0))
                .approximateSecondsBeforeTimedOut(e.hasNonNull("approximateSecondsBeforeTimedOut")
                        ? number(e, "approximateSecondsBeforeTimedOut", 0) : null)
                .build();
    }

    /**
     * A job document as received. Documents that are not JSON objects are kept as an object with no
     * fields (their JSON text is still available); the engine treats them as malformed.
     */
    static JobDocument document(JsonNode doc) {
        String json;
        try {
            json = MAPPER.writeValueAsString(doc);
        } catch (JsonProcessingException ex) {
            throw new MalformedMessageException("jobDocument cannot be written as JSON");
        }
        Map<String, Object> content = doc.isObject() ? objectContent(doc) : Map.of();
        return JobDocument.of(json, content);
    }

    static JobUpdateResult updateResult(ObjectNode o) {
        JsonNode state = o.get("executionState");
        JsonNode doc = o.get("jobDocument");
        return new JobUpdateResult(state == null || state.isNull() ? null : executionState(state),
                doc == null || doc.isNull() ? null : document(doc), instant(o, "timestamp"));
    }

    static JobExecutionState executionState(JsonNode s) {
        if (!s.isObject()) {
            throw new MalformedMessageException("executionState is not an object");
        }
        return new JobExecutionState(status(s.get("status"), "executionState.status"), details(s.get("statusDetails")),
                number((ObjectNode) s, "versionNumber", 0));
    }

    /** A {@code rejected} answer as the typed exception. */
    static JobsRejectedException rejection(ObjectNode o, String request) {
        JsonNode code = o.get("code");
        JsonNode message = o.get("message");
        JsonNode state = o.get("executionState");
        JobExecutionState executionState = null;
        if (state != null && state.isObject()) {
            try {
                executionState = executionState(state);
            } catch (MalformedMessageException e) {
                executionState = null;
            }
        }
        return new JobsRejectedException(request, code == null ? "Unknown" : code.asText(),
                message == null || message.isNull() ? null : message.asText(), executionState);
    }

    // ------------------------------------------------------------------ helpers

    private static List<JobExecutionSummary> summaries(JsonNode list, String field) {
        List<JobExecutionSummary> out = new ArrayList<>();
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            throw new MalformedMessageException(field + " is not an array");
        }
        for (JsonNode s : list) {
            if (!s.isObject()) {
                throw new MalformedMessageException(field + " holds something other than objects");
            }
            ObjectNode o = (ObjectNode) s;
            out.add(new JobExecutionSummary(text(o, "jobId", field), instant(o, "queuedAt"), instant(o, "startedAt"),
                    instant(o, "lastUpdatedAt"), number(o, "versionNumber", 0), number(o, "executionNumber", 0)));
        }
        return out;
    }

    private static JobExecutionStatus status(JsonNode n, String field) {
        if (n == null || !n.isTextual()) {
            throw new MalformedMessageException(field + " is missing");
        }
        try {
            return JobExecutionStatus.valueOf(n.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(field + " '" + n.asText() + "' is not a known status");
        }
    }

    private static Map<String, String> details(JsonNode d) {
        Map<String, String> out = new LinkedHashMap<>();
        if (d == null || !d.isObject()) {
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            out.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString());
        }
        return out;
    }

    private static String text(ObjectNode o, String field, String where) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new MalformedMessageException(where + "." + field + " is missing");
        }
        return n.asText();
    }

    /** A whole number sent as a number or a string of digits; {@code dflt} when absent. */
    static long number(ObjectNode o, String field, long dflt) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (n.isNumber()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            try {
                return Long.parseLong(n.asText().trim());
            } catch (NumberFormatException e) {
                throw new MalformedMessageException(field + " '" + n.asText() + "' is not a number");
            }
        }
        throw new MalformedMessageException(field + " is not a number");
    }

    /** Epoch seconds (possibly fractional) as an instant; {@code null} when absent. */
    static Instant instant(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw new MalformedMessageException(field + " " + n.asText() + " is not a time");
            }
            return epochSeconds(n.asLong(), 0, field);
        }
        if (n.isNumber()) {
            double d = n.asDouble();
            if (!Double.isFinite(d) || !n.canConvertToLong()) {
                throw new MalformedMessageException(field + " " + n.asText() + " is not a time");
            }
            long seconds = (long) Math.floor(d);
            return epochSeconds(seconds, (long) ((d - seconds) * 1e9), field);
        }
        if (n.isTextual()) {
            try {
                return epochSeconds(Long.parseLong(n.asText().trim()), 0, field);
            } catch (NumberFormatException e) {
                throw new MalformedMessageException(field + " '" + n.asText() + "' is not a time");
            }
        }
        throw new MalformedMessageException(field + " is not a time");
    }

    private static Instant epochSeconds(long seconds, long nanos, String field) {
        if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
            throw new MalformedMessageException(field + " " + seconds + " is not a time (out of range)");
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static Map<String, Object> objectContent(JsonNode node) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            m.put(f.getKey(), content(f.getValue()));
        }
        return m;
    }

    private static Object content(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT:
                return objectContent(n);
            case ARRAY:
                List<Object> list = new ArrayList<>(n.size());
                n.forEach(e -> list.add(content(e)));
                return list;
            case STRING:
                return n.asText();
            case BOOLEAN:
                return n.asBoolean();
            case NUMBER:
                if (n.isInt()) {
                    return n.intValue();
                }
                if (n.isLong()) {
                    return n.longValue();
                }
                if (n.isBigInteger()) {
                    BigInteger b = n.bigIntegerValue();
                    return b;
                }
                if (n.isBigDecimal()) {
                    // decimals are read exactly; handlers get a Double when it holds the value, else the decimal
                    double d = n.doubleValue();
                    BigDecimal b = n.decimalValue();
                    return Double.isFinite(d) && BigDecimal.valueOf(d).compareTo(b) == 0 ? (Object) d : b;
                }
                return n.doubleValue();
            default:
                return null;
        }
    }
}
