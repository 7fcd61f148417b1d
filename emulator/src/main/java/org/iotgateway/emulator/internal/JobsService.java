package org.iotgateway.emulator.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.iotgateway.emulator.JobExecution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jobs service (MQTT API): per-thing queues of job executions, get / start-next / describe /
 * update, notify and notify-next, step timeouts, cancellation.
 *
 * <p>Every method that reads or changes a thing's executions must run on that thing's stripe of the
 * {@link StripedExecutor}.
 */
public final class JobsService {
    private static final Logger LOG = LoggerFactory.getLogger(JobsService.class);
    public static final int MAX_PAYLOAD_BYTES = 128 * 1024;
    private static final long MAX_STEP_TIMEOUT_MINUTES = 10080;

    enum Status {
        QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED;

        boolean terminal() {
            return this != QUEUED && this != IN_PROGRESS;
        }
    }

    /** One job execution; mutated only on its thing's stripe. */
    static final class Exec {
        final String jobId;
        final String thing;
        final JsonNode document;
        final long seq;
        Status status = Status.QUEUED;
        ObjectNode statusDetails = Json.object();
        final long queuedAt;
        Long startedAt;
        long lastUpdatedAt;
        long versionNumber = 1;
        final long executionNumber;
        /** Epoch millis when the step timer expires, or null. */
        Long stepDeadline;

        Exec(String jobId, String thing, JsonNode document, long seq, long now, long executionNumber) {
            this.jobId = jobId;
            this.thing = thing;
            this.document = document;
            this.seq = seq;
            this.queuedAt = now;
            this.lastUpdatedAt = now;
            this.executionNumber = executionNumber;
        }
    }

    /** A thing's executions and what was last announced on notify / notify-next. */
    static final class ThingJobs {
        final Map<String, Exec> executions = new LinkedHashMap<>();
        String lastPending = "";
        String lastNext = "";
    }

    private final Map<String, ThingJobs> things = new ConcurrentHashMap<>();
    /** Things with a running step timer, so the sweeper only visits those. */
    private final Map<String, Boolean> timed = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Publisher publisher;
    private final Clock clock;

    public JobsService(Publisher publisher, Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
    }

    private long nowSeconds() {
        return clock.millis() / 1000;
    }

    private static String prefix(String thing) {
        return "$aws/things/" + thing + "/jobs";
    }

    // =================================================================== control operations

    /** Queues an execution of the job on the thing (on the thing's stripe). */
    public void addExecution(String thing, String jobId, JsonNode document) {
        ThingJobs tj = things.computeIfAbsent(thing, t -> new ThingJobs());
        if (tj.executions.containsKey(jobId)) {
            throw new IllegalStateException("job " + jobId + " already has an execution on " + thing);
        }
        tj.executions.put(jobId, new Exec(jobId, thing, document.deepCopy(), seq.incrementAndGet(), nowSeconds(), 1));
        announce(thing, tj);
    }

    /**
     * Cancels the execution: QUEUED always, IN_PROGRESS only with force. Returns false when there is
     * nothing to cancel (no execution, or already terminal).
     */
    public boolean cancel(String thing, String jobId, boolean force) {
        Exec e = find(thing, jobId);
        if (e == null || e.status.terminal()) {
            return false;
        }
        if (e.status == Status.IN_PROGRESS && !force) {
            throw new IllegalStateException("execution of " + jobId + " on " + thing
                    + " is IN_PROGRESS: cancel it with force");
        }
        finish(e, Status.CANCELED);
        announce(thing, things.get(thing));
        return true;
    }

    /** Marks a pending execution REMOVED (the thing left the job's targets). */
    public boolean remove(String thing, String jobId) {
        Exec e = find(thing, jobId);
        if (e == null || e.status.terminal()) {
            return false;
        }
        finish(e, Status.REMOVED);
        announce(thing, things.get(thing));
        return true;
    }

    /** Times out IN_PROGRESS executions whose step timer expired; returns how many. */
    public int expireTimeouts(String thing) {
        ThingJobs tj = things.get(thing);
        if (tj == null) {
            timed.remove(thing);
            return 0;
        }
        long nowMillis = clock.millis();
        int n = 0;
        boolean stillTimed = false;
        for (Exec e : tj.executions.values()) {
            if (e.stepDeadline == null) {
                continue;
            }
            if (e.status == Status.IN_PROGRESS && e.stepDeadline <= nowMillis) {
                finish(e, Status.TIMED_OUT);
                n++;
            } else if (e.status == Status.IN_PROGRESS) {
                stillTimed = true;
            } else {
                e.stepDeadline = null;
            }
        }
        if (!stillTimed) {
            timed.remove(thing);
        }
        if (n > 0) {
            announce(thing, tj);
        }
        return n;
    }

    /** Things that have running step timers. */
    public List<String> thingsWithTimers() {
        return new ArrayList<>(timed.keySet());
    }

    public JobExecution snapshot(String thing, String jobId) {
        Exec e = find(thing, jobId);
        return e == null ? null : toSnapshot(e);
    }

    public List<JobExecution> snapshots(String thing) {
        ThingJobs tj = things.get(thing);
        List<JobExecution> out = new ArrayList<>();
        if (tj != null) {
            tj.executions.values().forEach(e -> out.add(toSnapshot(e)));
        }
        return out;
    }

    private static JobExecution toSnapshot(Exec e) {
        Map<String, String> details = new LinkedHashMap<>();
        e.statusDetails.fields().forEachRemaining(f -> details.put(f.getKey(), f.getValue().asText()));
        return new JobExecution(e.jobId, e.thing, e.status.name(), details, Json.text(e.document), e.queuedAt,
                e.startedAt, e.lastUpdatedAt, e.versionNumber, e.executionNumber);
    }

    // =================================================================== MQTT API

    /** Handles a request on {@code $aws/things/{thing}/jobs/...}; {@code rest} is what follows "jobs/". */
    public void handle(String thing, String[] rest, byte[] payload) {
        String topic = prefix(thing) + "/" + String.join("/", rest);
        long ts = nowSeconds();
        String token = null;
        try {
            if (payload.length > 0 && !Json.isUtf8(payload)) {
                reject(topic, "InvalidRequest", "Payload is not valid UTF-8", null, ts, null);
                return;
            }
            JsonNode req = payload.length == 0 ? Json.object() : Json.parse(payload);
            if (req == null || !req.isObject()) {
                reject(topic, "InvalidJson", "The request body is not a valid JSON object", null, ts, null);
                return;
            }
            JsonNode tok = req.get("clientToken");
            if (tok != null && !tok.isNull()) {
                if (!tok.isTextual() || tok.asText().length() > 64) {
                    reject(topic, "InvalidRequest", "clientToken must be a string of at most 64 characters",
                            tok.isTextual() ? tok.asText() : null, ts, null);
                    return;
                }
                token = tok.asText();
            }
            if (payload.length > MAX_PAYLOAD_BYTES) {
                reject(topic, "InvalidRequest", "The payload exceeds the maximum size allowed", token, ts, null);
                return;
            }
            ObjectNode r = (ObjectNode) req;
            if (rest.length == 1 && "get".equals(rest[0])) {
                list(thing, topic, token, ts);
            } else if (rest.length == 1 && "start-next".equals(rest[0])) {
                startNext(thing, topic, r, token, ts);
            } else if (rest.length == 2 && "get".equals(rest[1])) {
                describe(thing, rest[0], topic, r, token, ts);
            } else if (rest.length == 2 && "update".equals(rest[1]) && Names.isJobId(rest[0])) {
                update(thing, rest[0], topic, r, token, ts);
            } else {
                reject(topic, "InvalidTopic", "The topic does not map to a Jobs API operation", token, ts, null);
            }
        } catch (BadRequest e) {
            reject(topic, "InvalidRequest", e.getMessage(), token, ts, null);
        } catch (RuntimeException e) {
            LOG.error("Jobs request on {} failed", topic, e);
            reject(topic, "InternalError", "Internal error", token, ts, null);
        }
    }

    /** Answers a request on a jobs topic whose thing name is invalid. */
    public void rejectInvalidThing(String topic, byte[] payload, String message) {
        JsonNode req = payload.length == 0 ? null : Json.parse(payload);
        JsonNode tok = req == null ? null : req.get("clientToken");
        reject(topic, "InvalidRequest", message, tok != null && tok.isTextual() ? tok.asText() : null, nowSeconds(),
                null);
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private void list(String thing, String topic, String token, long ts) {
        ObjectNode out = Json.object();
        ArrayNode inProgress = out.putArray("inProgressJobs");
        ArrayNode queued = out.putArray("queuedJobs");
        for (Exec e : pending(thing)) {
            (e.status == Status.IN_PROGRESS ? inProgress : queued).add(summary(e));
        }
        out.put("timestamp", ts);
        putToken(out, token);
        publisher.publish(topic + "/accepted", Json.bytes(out));
    }

    private void startNext(String thing, String topic, ObjectNode req, String token, long ts) {
        ObjectNode details = statusDetails(req);
        Long stepTimeout = stepTimeout(req);
        Exec next = next(thing);
        ObjectNode out = Json.object();
        if (next != null) {
            if (next.status == Status.QUEUED) {
                next.status = Status.IN_PROGRESS;
                next.startedAt = ts;
                next.lastUpdatedAt = ts;
                next.versionNumber++;
                if (details != null) {
                    next.statusDetails = details;
                }
                if (stepTimeout != null) {
                    startTimer(next, stepTimeout);
                }
            }
            out.set("execution", execution(next, true));
        }
        out.put("timestamp", ts);
        putToken(out, token);
        publisher.publish(topic + "/accepted", Json.bytes(out));
        announce(thing, things.get(thing));
    }

    private void describe(String thing, String jobId, String topic, ObjectNode req, String token, long ts) {
        Long executionNumber = optionalLong(req, "executionNumber");
        boolean includeDocument = optionalBoolean(req, "includeJobDocument", true);
        Exec e;
        if ("$next".equals(jobId)) {
            e = next(thing);
            if (e == null) {
                ObjectNode out = Json.object();
                out.put("timestamp", ts);
                putToken(out, token);
                publisher.publish(topic + "/accepted", Json.bytes(out));
                return;
            }
        } else {
            if (!Names.isJobId(jobId)) {
                throw new BadRequest("Invalid job id: " + jobId);
            }
            e = find(thing, jobId);
        }
        if (e == null || (executionNumber != null && executionNumber != e.executionNumber)) {
            reject(topic, "ResourceNotFound", "Job execution " + jobId + " does not exist for thing " + thing, token,
                    ts, null);
            return;
        }
        if (e.status.terminal()) {
            reject(topic, "TerminalStateReached",
                    "Job execution " + jobId + " is in the terminal state " + e.status, token, ts, null);
            return;
        }
        ObjectNode out = Json.object();
        out.set("execution", execution(e, includeDocument));
        out.put("timestamp", ts);
        putToken(out, token);
        publisher.publish(topic + "/accepted", Json.bytes(out));
    }

    private void update(String thing, String jobId, String topic, ObjectNode req, String token, long ts) {
        JsonNode statusNode = req.get("status");
        if (statusNode == null || !statusNode.isTextual()) {
            throw new BadRequest("status is required: IN_PROGRESS, SUCCEEDED, FAILED or REJECTED");
        }
        Status target;
        try {
            target = Status.valueOf(statusNode.asText());
        } catch (IllegalArgumentException ex) {
            throw new BadRequest("Invalid status: " + statusNode.asText());
        }
        ObjectNode details = statusDetails(req);
        Long expectedVersion = optionalLong(req, "expectedVersion");
        Long executionNumber = optionalLong(req, "executionNumber");
        boolean includeState = optionalBoolean(req, "includeJobExecutionState", false);
        boolean includeDocument = optionalBoolean(req, "includeJobDocument", false);
        Long stepTimeout = stepTimeout(req);

        Exec e = find(thing, jobId);
        if (e == null || (executionNumber != null && executionNumber != e.executionNumber)) {
            reject(topic, "ResourceNotFound", "Job execution " + jobId + " does not exist for thing " + thing, token,
                    ts, null);
            return;
        }
        if (expectedVersion != null && expectedVersion != e.versionNumber) {
            reject(topic, "VersionMismatch", "Expected version " + expectedVersion + " but the current version is "
                    + e.versionNumber, token, ts, executionState(e));
            return;
        }
        boolean deviceStatus = target == Status.IN_PROGRESS || target == Status.SUCCEEDED
                || target == Status.FAILED || target == Status.REJECTED;
        if (e.status.terminal() || !deviceStatus) {
            reject(topic, "InvalidStateTransition", "Cannot update job execution " + jobId + " from " + e.status
                    + " to " + target, token, ts, executionState(e));
            return;
        }
        if (target == Status.IN_PROGRESS && e.startedAt == null) {
            e.startedAt = ts;
        }
        e.status = target;
        if (details != null) {
            e.statusDetails = details;
        }
        e.lastUpdatedAt = ts;
        e.versionNumber++;
        if (target.terminal()) {
            e.stepDeadline = null;
        } else if (stepTimeout != null) {
            startTimer(e, stepTimeout);
        }
        ObjectNode out = Json.object();
        if (includeState) {
            out.set("executionState", executionState(e));
        }
        if (includeDocument) {
            out.set("jobDocument", e.document.deepCopy());
        }
        out.put("timestamp", ts);
        putToken(out, token);
        publisher.publish(topic + "/accepted", Json.bytes(out));
        announce(thing, things.get(thing));
    }

    // =================================================================== helpers

    private void startTimer(Exec e, long minutes) {
        e.stepDeadline = clock.millis() + minutes * 60_000L;
        timed.put(e.thing, Boolean.TRUE);
    }

    private void finish(Exec e, Status status) {
        long ts = nowSeconds();
        e.status = status;
        e.lastUpdatedAt = ts;
        e.versionNumber++;
        e.stepDeadline = null;
    }

    private Exec find(String thing, String jobId) {
        ThingJobs tj = things.get(thing);
        return tj == null ? null : tj.executions.get(jobId);
    }

    /** Pending executions: IN_PROGRESS first, then QUEUED, each oldest first. */
    private List<Exec> pending(String thing) {
        ThingJobs tj = things.get(thing);
        List<Exec> out = new ArrayList<>();
        if (tj == null) {
            return out;
        }
        for (Exec e : tj.executions.values()) {
            if (e.status == Status.IN_PROGRESS) {
                out.add(e);
            }
        }
        for (Exec e : tj.executions.values()) {
            if (e.status == Status.QUEUED) {
                out.add(e);
            }
        }
        return out;
    }

    private Exec next(String thing) {
        List<Exec> p = pending(thing);
        return p.isEmpty() ? null : p.get(0);
    }

    /** Publishes notify when the pending lists changed and notify-next when the next execution changed. */
    private void announce(String thing, ThingJobs tj) {
        if (tj == null) {
            return;
        }
        long ts = nowSeconds();
        List<Exec> pending = pending(thing);
        StringBuilder key = new StringBuilder();
        for (Exec e : pending) {
            key.append(e.jobId).append('#').append(e.executionNumber).append('=').append(e.status).append(';');
        }
        if (!key.toString().equals(tj.lastPending)) {
            tj.lastPending = key.toString();
            ObjectNode msg = Json.object();
            msg.put("timestamp", ts);
            ObjectNode jobs = msg.putObject("jobs");
            for (Exec e : pending) {
                ArrayNode list = jobs.has(e.status.name()) ? (ArrayNode) jobs.get(e.status.name())
                        : jobs.putArray(e.status.name());
                list.add(summary(e));
            }
            publisher.publish(prefix(thing) + "/notify", Json.bytes(msg));
        }
        Exec next = pending.isEmpty() ? null : pending.get(0);
        String nextKey = next == null ? "" : next.jobId + "#" + next.executionNumber;
        if (!Objects.equals(nextKey, tj.lastNext)) {
            tj.lastNext = nextKey;
            ObjectNode msg = Json.object();
            msg.put("timestamp", ts);
            if (next != null) {
                msg.set("execution", execution(next, true));
            }
            publisher.publish(prefix(thing) + "/notify-next", Json.bytes(msg));
        }
    }

    private static ObjectNode summary(Exec e) {
        ObjectNode s = Json.object();
        s.put("jobId", e.jobId);
        s.put("queuedAt", e.queuedAt);
        if (e.startedAt != null) {
            s.put("startedAt", e.startedAt);
        }
        s.put("lastUpdatedAt", e.lastUpdatedAt);
        s.put("versionNumber", e.versionNumber);
        s.put("executionNumber", e.executionNumber);
        return s;
    }

    private ObjectNode execution(Exec e, boolean includeDocument) {
        ObjectNode x = Json.object();
        x.put("jobId", e.jobId);
        x.put("thingName", e.thing);
        if (includeDocument) {
            x.set("jobDocument", e.document.deepCopy());
        }
        x.put("status", e.status.name());
        if (!e.statusDetails.isEmpty()) {
            x.set("statusDetails", e.statusDetails.deepCopy());
        }
        x.put("queuedAt", e.queuedAt);
        if (e.startedAt != null) {
            x.put("startedAt", e.startedAt);
        }
        x.put("lastUpdatedAt", e.lastUpdatedAt);
        x.put("versionNumber", e.versionNumber);
        x.put("executionNumber", e.executionNumber);
        if (e.stepDeadline != null && e.status == Status.IN_PROGRESS) {
            x.put("approximateSecondsBeforeTimedOut", Math.max(0, (e.stepDeadline - clock.millis()) / 1000));
        }
        return x;
    }

    private static ObjectNode executionState(Exec e) {
        ObjectNode s = Json.object();
        s.put("status", e.status.name());
        if (!e.statusDetails.isEmpty()) {
            s.set("statusDetails", e.statusDetails.deepCopy());
        }
        s.put("versionNumber", e.versionNumber);
        return s;
    }

    private void reject(String topic, String code, String message, String token, long ts, ObjectNode state) {
        ObjectNode out = Json.object();
        out.put("code", code);
        out.put("message", message);
        putToken(out, token);
        out.put("timestamp", ts);
        if (state != null) {
            out.set("executionState", state);
        }
        publisher.publish(topic + "/rejected", Json.bytes(out));
    }

    private static void putToken(ObjectNode out, String token) {
        if (token != null) {
            out.put("clientToken", token);
        }
    }

    /** statusDetails: an object of string values (numbers and booleans are taken as their text). */
    private static ObjectNode statusDetails(ObjectNode req) {
        JsonNode d = req.get("statusDetails");
        if (d == null || d.isNull()) {
            return null;
        }
        if (!d.isObject()) {
            throw new BadRequest("statusDetails must be an object of string values");
        }
        ObjectNode out = Json.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw new BadRequest("statusDetails." + f.getKey() + " must be a string");
            }
            out.put(f.getKey(), f.getValue().asText());
        }
        return out;
    }

    private static Long stepTimeout(ObjectNode req) {
        Long m = optionalLong(req, "stepTimeoutInMinutes");
        if (m != null && (m < 1 || m > MAX_STEP_TIMEOUT_MINUTES)) {
            throw new BadRequest("stepTimeoutInMinutes must be between 1 and " + MAX_STEP_TIMEOUT_MINUTES);
        }
        return m;
    }

    /** A whole number given as a JSON number or a string of digits (Python v1 sends strings). */
    private static Long optionalLong(ObjectNode req, String field) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.asLong();
        }
        if (n.isTextual() && n.asText().matches("-?[0-9]{1,18}")) {
            return Long.parseLong(n.asText());
        }
        throw new BadRequest(field + " must be a whole number");
    }

    private static boolean optionalBoolean(ObjectNode req, String field, boolean dflt) {
        JsonNode n = req.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isTextual() && ("true".equals(n.asText()) || "false".equals(n.asText()))) {
            return Boolean.parseBoolean(n.asText());
        }
        throw new BadRequest(field + " must be a boolean");
    }
}
