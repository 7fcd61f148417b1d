package org.iotgateway.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.crt.mqtt.MqttClientConnection;
import software.amazon.awssdk.crt.mqtt.QualityOfService;
import software.amazon.awssdk.iot.AwsIotMqttConnectionBuilder;
import software.amazon.awssdk.iot.iotjobs.IotJobsClient;
import software.amazon.awssdk.iot.iotjobs.model.DescribeJobExecutionRequest;
import software.amazon.awssdk.iot.iotjobs.model.DescribeJobExecutionResponse;
import software.amazon.awssdk.iot.iotjobs.model.DescribeJobExecutionSubscriptionRequest;
import software.amazon.awssdk.iot.iotjobs.model.GetPendingJobExecutionsRequest;
import software.amazon.awssdk.iot.iotjobs.model.GetPendingJobExecutionsResponse;
import software.amazon.awssdk.iot.iotjobs.model.GetPendingJobExecutionsSubscriptionRequest;
import software.amazon.awssdk.iot.iotjobs.model.JobExecutionsChangedEvent;
import software.amazon.awssdk.iot.iotjobs.model.JobExecutionsChangedSubscriptionRequest;
import software.amazon.awssdk.iot.iotjobs.model.JobStatus;
import software.amazon.awssdk.iot.iotjobs.model.NextJobExecutionChangedEvent;
import software.amazon.awssdk.iot.iotjobs.model.NextJobExecutionChangedSubscriptionRequest;
import software.amazon.awssdk.iot.iotjobs.model.RejectedError;
import software.amazon.awssdk.iot.iotjobs.model.RejectedErrorCode;
import software.amazon.awssdk.iot.iotjobs.model.StartNextJobExecutionResponse;
import software.amazon.awssdk.iot.iotjobs.model.StartNextPendingJobExecutionRequest;
import software.amazon.awssdk.iot.iotjobs.model.StartNextPendingJobExecutionSubscriptionRequest;
import software.amazon.awssdk.iot.iotjobs.model.UpdateJobExecutionRequest;
import software.amazon.awssdk.iot.iotjobs.model.UpdateJobExecutionResponse;
import software.amazon.awssdk.iot.iotjobs.model.UpdateJobExecutionSubscriptionRequest;
import software.amazon.awssdk.iot.iotshadow.IotShadowClient;
import software.amazon.awssdk.iot.iotshadow.model.DeleteShadowRequest;
import software.amazon.awssdk.iot.iotshadow.model.DeleteShadowResponse;
import software.amazon.awssdk.iot.iotshadow.model.DeleteShadowSubscriptionRequest;
import software.amazon.awssdk.iot.iotshadow.model.ErrorResponse;
import software.amazon.awssdk.iot.iotshadow.model.GetShadowRequest;
import software.amazon.awssdk.iot.iotshadow.model.GetShadowResponse;
import software.amazon.awssdk.iot.iotshadow.model.GetShadowSubscriptionRequest;
import software.amazon.awssdk.iot.iotshadow.model.ShadowDeltaUpdatedEvent;
import software.amazon.awssdk.iot.iotshadow.model.ShadowDeltaUpdatedSubscriptionRequest;
import software.amazon.awssdk.iot.iotshadow.model.ShadowState;
import software.amazon.awssdk.iot.iotshadow.model.ShadowUpdatedEvent;
import software.amazon.awssdk.iot.iotshadow.model.ShadowUpdatedSubscriptionRequest;
import software.amazon.awssdk.iot.iotshadow.model.UpdateShadowRequest;
import software.amazon.awssdk.iot.iotshadow.model.UpdateShadowResponse;
import software.amazon.awssdk.iot.iotshadow.model.UpdateShadowSubscriptionRequest;

/**
 * Fidelity: the unmodified AWS IoT Device SDK v2 for Java (its MQTT 3.1.1 connection on the aws-crt
 * native library, and its generated {@link IotShadowClient} / {@link IotJobsClient}) against the
 * emulator's mutual-TLS listener with the emulator's generated CA and device certificate. Every
 * assertion is on what the SDK parsed from the emulator's replies.
 */
class AwsDeviceSdkTest extends EmulatorTestBase {
    private static final QualityOfService QOS = QualityOfService.AT_LEAST_ONCE;

    private MqttClientConnection connection;
    private final List<Exception> parseErrors = new CopyOnWriteArrayList<>();

    /** Collects what one SDK callback receives. */
    private final class Inbox<T> implements Consumer<T> {
        private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();

        @Override
        public void accept(T t) {
            queue.add(t);
        }

        T next(String what) {
            try {
                T t = queue.poll(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertNotNull(t, "no " + what + " within " + TestClient.WAIT + "; SDK parse errors: " + parseErrors);
                return t;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** Skips events that do not match (for example earlier notifications). */
        T next(String what, Predicate<T> matching) {
            long deadline = System.nanoTime() + TestClient.WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                T t = next(what);
                if (matching.test(t)) {
                    return t;
                }
            }
            throw new AssertionError("no matching " + what);
        }

        void assertNothing(String what) throws InterruptedException {
            T t = queue.poll(300, TimeUnit.MILLISECONDS);
            assertNull(t, "unexpected " + what);
        }
    }

    @BeforeEach
    void connectSdk() throws Exception {
        DeviceCredentials device = emulator.device("device");
        try (AwsIotMqttConnectionBuilder builder = AwsIotMqttConnectionBuilder.newMtlsBuilderFromPath(
                device.certificateFile().toString(), device.privateKeyFile().toString())) {
            builder.withCertificateAuthorityFromPath(null, emulator.certificates().caCertificateFile().toString())
                    .withEndpoint("localhost")
                    .withPort(emulator.tlsPort())
                    .withClientId(unique("sdk-client"))
                    .withCleanSession(true)
                    .withKeepAliveSecs(30);
            connection = builder.build();
        }
        boolean sessionPresent = connection.connect().get(10, TimeUnit.SECONDS);
        assertFalse(sessionPresent);
    }

    @AfterEach
    void disconnectSdk() throws Exception {
        if (connection != null) {
            connection.disconnect().get(10, TimeUnit.SECONDS);
            connection.close();
        }
        assertTrue(parseErrors.isEmpty(), "the SDK failed to parse replies: " + parseErrors);
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static HashMap<String, Object> map(String key, Object value) {
        HashMap<String, Object> m = new HashMap<>();
        m.put(key, value);
        return m;
    }

    @Test
    void shadowGetUpdateDeltaDeleteWithTheSdkShadowClient() throws Exception {
        String thing = unique("sdk-thing");
        IotShadowClient shadow = new IotShadowClient(connection);

        Inbox<GetShadowResponse> getAccepted = new Inbox<>();
        Inbox<ErrorResponse> getRejected = new Inbox<>();
        Inbox<UpdateShadowResponse> updateAccepted = new Inbox<>();
        Inbox<ErrorResponse> updateRejected = new Inbox<>();
        Inbox<ShadowDeltaUpdatedEvent> delta = new Inbox<>();
        Inbox<ShadowUpdatedEvent> documents = new Inbox<>();
        Inbox<DeleteShadowResponse> deleteAccepted = new Inbox<>();
        Inbox<ErrorResponse> deleteRejected = new Inbox<>();

        GetShadowSubscriptionRequest get = new GetShadowSubscriptionRequest();
        get.thingName = thing;
        await(shadow.SubscribeToGetShadowAccepted(get, QOS, getAccepted, parseErrors::add));
        await(shadow.SubscribeToGetShadowRejected(get, QOS, getRejected, parseErrors::add));
        UpdateShadowSubscriptionRequest update = new UpdateShadowSubscriptionRequest();
        update.thingName = thing;
        await(shadow.SubscribeToUpdateShadowAccepted(update, QOS, updateAccepted, parseErrors::add));
        await(shadow.SubscribeToUpdateShadowRejected(update, QOS, updateRejected, parseErrors::add));
        ShadowDeltaUpdatedSubscriptionRequest deltaRequest = new ShadowDeltaUpdatedSubscriptionRequest();
        deltaRequest.thingName = thing;
        await(shadow.SubscribeToShadowDeltaUpdatedEvents(deltaRequest, QOS, delta, parseErrors::add));
        ShadowUpdatedSubscriptionRequest documentsRequest = new ShadowUpdatedSubscriptionRequest();
        documentsRequest.thingName = thing;
        await(shadow.SubscribeToShadowUpdatedEvents(documentsRequest, QOS, documents, parseErrors::add));
        DeleteShadowSubscriptionRequest delete = new DeleteShadowSubscriptionRequest();
        delete.thingName = thing;
        await(shadow.SubscribeToDeleteShadowAccepted(delete, QOS, deleteAccepted, parseErrors::add));
        await(shadow.SubscribeToDeleteShadowRejected(delete, QOS, deleteRejected, parseErrors::add));

        // get before the shadow exists: 404 with the documented message, token echoed
        GetShadowRequest getRequest = new GetShadowRequest();
        getRequest.thingName = thing;
        getRequest.clientToken = "get-1";
        await(shadow.PublishGetShadow(getRequest, QOS));
        ErrorResponse notFound = getRejected.next("get/rejected");
        assertEquals(404, notFound.code);
        assertEquals("No shadow exists with name: " + thing, notFound.message);
        assertEquals("get-1", notFound.clientToken);
        assertNotNull(notFound.timestamp);

        // the device reports its state
        UpdateShadowRequest report = new UpdateShadowRequest();
        report.thingName = thing;
        report.clientToken = "report-1";
        report.state = new ShadowState();
        report.state.reported = map("color", "red");
        report.state.reported.put("brightness", 40);
        await(shadow.PublishUpdateShadow(report, QOS));
        UpdateShadowResponse reported = updateAccepted.next("update/accepted", r -> "report-1".equals(r.clientToken));
        assertEquals("report-1", reported.clientToken);
        assertEquals(1, reported.version);
        assertEquals("red", reported.state.reported.get("color"));
        assertEquals(40.0, reported.state.reported.get("brightness")); // Gson reads JSON numbers as double
        assertNull(reported.state.desired);
        assertNotNull(reported.metadata.reported.get("color"), "per-leaf metadata");
        assertEquals(clock.instant().getEpochSecond(), reported.timestamp.getTime() / 1000);
        ShadowUpdatedEvent firstDocuments = documents.next("update/documents");
        assertNull(firstDocuments.previous, "no previous document for a new shadow");
        assertEquals(1, firstDocuments.current.version);
        assertEquals("red", firstDocuments.current.state.reported.get("color"));
        delta.assertNothing("update/delta for a report without desired state");

        // the application asks for another color: the device gets a delta
        emulator.setDesired(thing, null, "{\"color\":\"green\"}");
        ShadowDeltaUpdatedEvent deltaEvent = delta.next("update/delta");
        assertEquals(Map.of("color", "green"), deltaEvent.state);
        assertEquals(2, deltaEvent.version);
        assertNotNull(deltaEvent.metadata.get("color"));
        assertNotNull(deltaEvent.timestamp);
        ShadowUpdatedEvent secondDocuments = documents.next("update/documents");
        assertEquals(1, secondDocuments.previous.version);
        assertEquals(2, secondDocuments.current.version);
        assertEquals("green", secondDocuments.current.state.desired.get("color"));

        // get: desired, reported and delta
        getRequest.clientToken = "get-2";
        await(shadow.PublishGetShadow(getRequest, QOS));
        GetShadowResponse state = getAccepted.next("get/accepted");
        assertEquals("get-2", state.clientToken);
        assertEquals(2, state.version);
        assertEquals("green", state.state.desired.get("color"));
        assertEquals("red", state.state.reported.get("color"));
        assertEquals(Map.of("color", "green"), state.state.delta);
        assertNotNull(state.metadata.desired.get("color"));
        assertNotNull(state.metadata.reported.get("brightness"));

        // an update on a stale version: 409
        UpdateShadowRequest stale = new UpdateShadowRequest();
        stale.thingName = thing;
        stale.clientToken = "stale";
        stale.version = 1;
        stale.state = new ShadowState();
        stale.state.reported = map("color", "green");
        await(shadow.PublishUpdateShadow(stale, QOS));
        ErrorResponse conflict = updateRejected.next("update/rejected");
        assertEquals(409, conflict.code);
        assertEquals("Version conflict", conflict.message);
        assertEquals("stale", conflict.clientToken);

        // the device applies the delta at the current version and clears desired (null deletes a section)
        UpdateShadowRequest apply = new UpdateShadowRequest();
        apply.thingName = thing;
        apply.clientToken = "apply";
        apply.version = 2;
        apply.state = new ShadowState();
        apply.state.reported = map("color", "green");
        apply.state.desired = null;
        apply.state.desiredIsNullable = true;
        await(shadow.PublishUpdateShadow(apply, QOS));
        // (updates through the control API are published on update/accepted too, without a token: skip them)
        UpdateShadowResponse applied = updateAccepted.next("update/accepted", r -> "apply".equals(r.clientToken));
        assertEquals("apply", applied.clientToken);
        assertEquals(3, applied.version);
        ShadowUpdatedEvent thirdDocuments = documents.next("update/documents");
        assertEquals(3, thirdDocuments.current.version);
        assertNull(thirdDocuments.current.state.desired);
        assertEquals("green", thirdDocuments.current.state.reported.get("color"));
        assertEquals(40.0, thirdDocuments.current.state.reported.get("brightness"));
        delta.assertNothing("update/delta once desired is gone");

        getRequest.clientToken = "get-3";
        await(shadow.PublishGetShadow(getRequest, QOS));
        GetShadowResponse afterApply = getAccepted.next("get/accepted");
        assertNull(afterApply.state.delta);
        assertNull(afterApply.state.desired);
        assertEquals(3, afterApply.version);

        // delete, then get: 404 again
        DeleteShadowRequest deleteRequest = new DeleteShadowRequest();
        deleteRequest.thingName = thing;
        deleteRequest.clientToken = "delete-1";
        await(shadow.PublishDeleteShadow(deleteRequest, QOS));
        DeleteShadowResponse deleted = deleteAccepted.next("delete/accepted");
        assertEquals("delete-1", deleted.clientToken);
        assertEquals(3, deleted.version);
        assertTrue(emulator.shadow(thing).isEmpty());
        await(shadow.PublishDeleteShadow(deleteRequest, QOS));
        ErrorResponse deleteMissing = deleteRejected.next("delete/rejected");
        assertEquals(404, deleteMissing.code);
        assertEquals("delete-1", deleteMissing.clientToken);
    }

    @Test
    void jobsNotifyStartNextUpdateWithTheSdkJobsClient() throws Exception {
        String thing = unique("sdk-jobs-thing");
        IotJobsClient jobs = new IotJobsClient(connection);

        Inbox<NextJobExecutionChangedEvent> notifyNext = new Inbox<>();
        Inbox<JobExecutionsChangedEvent> notify = new Inbox<>();
        Inbox<GetPendingJobExecutionsResponse> pending = new Inbox<>();
        Inbox<StartNextJobExecutionResponse> started = new Inbox<>();
        Inbox<RejectedError> startRejected = new Inbox<>();
        Inbox<UpdateJobExecutionResponse> updated = new Inbox<>();
        Inbox<RejectedError> updateRejected = new Inbox<>();
        Inbox<DescribeJobExecutionResponse> described = new Inbox<>();
        Inbox<RejectedError> describeRejected = new Inbox<>();

        NextJobExecutionChangedSubscriptionRequest next = new NextJobExecutionChangedSubscriptionRequest();
        next.thingName = thing;
        await(jobs.SubscribeToNextJobExecutionChangedEvents(next, QOS, notifyNext, parseErrors::add));
        JobExecutionsChangedSubscriptionRequest changed = new JobExecutionsChangedSubscriptionRequest();
        changed.thingName = thing;
        await(jobs.SubscribeToJobExecutionsChangedEvents(changed, QOS, notify, parseErrors::add));
        GetPendingJobExecutionsSubscriptionRequest pendingSub = new GetPendingJobExecutionsSubscriptionRequest();
        pendingSub.thingName = thing;
        await(jobs.SubscribeToGetPendingJobExecutionsAccepted(pendingSub, QOS, pending, parseErrors::add));
        StartNextPendingJobExecutionSubscriptionRequest startSub = new StartNextPendingJobExecutionSubscriptionRequest();
        startSub.thingName = thing;
        await(jobs.SubscribeToStartNextPendingJobExecutionAccepted(startSub, QOS, started, parseErrors::add));
        await(jobs.SubscribeToStartNextPendingJobExecutionRejected(startSub, QOS, startRejected, parseErrors::add));
        String jobId = unique("sdk-job");
        UpdateJobExecutionSubscriptionRequest updateSub = new UpdateJobExecutionSubscriptionRequest();
        updateSub.thingName = thing;
        updateSub.jobId = jobId;
        await(jobs.SubscribeToUpdateJobExecutionAccepted(updateSub, QOS, updated, parseErrors::add));
        await(jobs.SubscribeToUpdateJobExecutionRejected(updateSub, QOS, updateRejected, parseErrors::add));
        DescribeJobExecutionSubscriptionRequest describeSub = new DescribeJobExecutionSubscriptionRequest();
        describeSub.thingName = thing;
        describeSub.jobId = jobId;
        await(jobs.SubscribeToDescribeJobExecutionAccepted(describeSub, QOS, described, parseErrors::add));
        await(jobs.SubscribeToDescribeJobExecutionRejected(describeSub, QOS, describeRejected, parseErrors::add));

        // a job for this thing: notify-next and notify
        emulator.createJob(jobId, "{\"operation\":\"reboot\",\"delaySeconds\":5}", List.of(thing));
        NextJobExecutionChangedEvent queued = notifyNext.next("notify-next");
        assertEquals(jobId, queued.execution.jobId);
        assertEquals(JobStatus.QUEUED, queued.execution.status);
        assertEquals("reboot", queued.execution.jobDocument.get("operation"));
        assertEquals(thing, queued.execution.thingName);
        JobExecutionsChangedEvent queuedList = notify.next("notify");
        assertEquals(jobId, queuedList.jobs.get(JobStatus.QUEUED).get(0).jobId);

        // the pending list
        GetPendingJobExecutionsRequest pendingRequest = new GetPendingJobExecutionsRequest();
        pendingRequest.thingName = thing;
        await(jobs.PublishGetPendingJobExecutions(pendingRequest, QOS));
        GetPendingJobExecutionsResponse pendingList = pending.next("get/accepted");
        assertEquals(1, pendingList.queuedJobs.size());
        assertEquals(jobId, pendingList.queuedJobs.get(0).jobId);
        assertTrue(pendingList.inProgressJobs == null || pendingList.inProgressJobs.isEmpty());

        // start-next with a step timeout and status details
        StartNextPendingJobExecutionRequest start = new StartNextPendingJobExecutionRequest();
        start.thingName = thing;
        start.clientToken = "start-1";
        start.stepTimeoutInMinutes = 5L;
        start.statusDetails = new HashMap<>(Map.of("step", "downloading"));
        await(jobs.PublishStartNextPendingJobExecution(start, QOS));
        StartNextJobExecutionResponse execution = started.next("start-next/accepted");
        assertEquals("start-1", execution.clientToken);
        assertEquals(jobId, execution.execution.jobId);
        assertEquals(JobStatus.IN_PROGRESS, execution.execution.status);
        assertEquals("downloading", execution.execution.statusDetails.get("step"));
        assertEquals("reboot", execution.execution.jobDocument.get("operation"));
        assertNotNull(execution.execution.startedAt);
        assertNotNull(execution.execution.executionNumber);
        int version = execution.execution.versionNumber;

        // an update with a wrong expectedVersion: VersionMismatch carrying the execution state
        UpdateJobExecutionRequest wrongVersion = new UpdateJobExecutionRequest();
        wrongVersion.thingName = thing;
        wrongVersion.jobId = jobId;
        wrongVersion.status = JobStatus.IN_PROGRESS;
        wrongVersion.expectedVersion = version + 5;
        wrongVersion.clientToken = "wrong-version";
        await(jobs.PublishUpdateJobExecution(wrongVersion, QOS));
        RejectedError mismatch = updateRejected.next("update/rejected");
        assertEquals(RejectedErrorCode.VERSION_MISMATCH, mismatch.code);
        assertEquals("wrong-version", mismatch.clientToken);
        assertEquals(JobStatus.IN_PROGRESS, mismatch.executionState.status);
        assertEquals(version, mismatch.executionState.versionNumber);

        // finish it
        UpdateJobExecutionRequest succeed = new UpdateJobExecutionRequest();
        succeed.thingName = thing;
        succeed.jobId = jobId;
        succeed.status = JobStatus.SUCCEEDED;
        succeed.expectedVersion = version;
        succeed.executionNumber = execution.execution.executionNumber;
        succeed.statusDetails = new HashMap<>(Map.of("step", "done"));
        succeed.includeJobExecutionState = true;
        succeed.includeJobDocument = true;
        succeed.clientToken = "succeed";
        await(jobs.PublishUpdateJobExecution(succeed, QOS));
        UpdateJobExecutionResponse done = updated.next("update/accepted");
        assertEquals("succeed", done.clientToken);
        assertEquals(JobStatus.SUCCEEDED, done.executionState.status);
        assertEquals("done", done.executionState.statusDetails.get("step"));
        assertEquals(version + 1, done.executionState.versionNumber);
        assertEquals("reboot", done.jobDocument.get("operation"));
        assertEquals("SUCCEEDED", emulator.jobExecution(thing, jobId).orElseThrow().status());

        // nothing next any more: notify-next without an execution
        NextJobExecutionChangedEvent none = notifyNext.next("notify-next without execution", e -> e.execution == null);
        assertNotNull(none.timestamp);

        // a finished execution cannot change again
        succeed.expectedVersion = null;
        await(jobs.PublishUpdateJobExecution(succeed, QOS));
        RejectedError terminal = updateRejected.next("update/rejected");
        assertEquals(RejectedErrorCode.INVALID_STATE_TRANSITION, terminal.code);
        assertEquals(JobStatus.SUCCEEDED, terminal.executionState.status);

        // describe the finished execution, and start-next with nothing pending
        DescribeJobExecutionRequest describe = new DescribeJobExecutionRequest();
        describe.thingName = thing;
        describe.jobId = jobId;
        describe.clientToken = "describe";
        await(jobs.PublishDescribeJobExecution(describe, QOS));
        RejectedError describeFinished = describeRejected.next("get/rejected");
        assertEquals(RejectedErrorCode.TERMINAL_STATE_REACHED, describeFinished.code);
        assertEquals("describe", describeFinished.clientToken);
        start.clientToken = "start-2";
        await(jobs.PublishStartNextPendingJobExecution(start, QOS));
        StartNextJobExecutionResponse nothing = started.next("start-next/accepted");
        assertEquals("start-2", nothing.clientToken);
        assertNull(nothing.execution);
    }
}
