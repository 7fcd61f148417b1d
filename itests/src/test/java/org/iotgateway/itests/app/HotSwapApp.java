package org.iotgateway.itests.app;

import java.util.List;
import java.util.Map;

/**
 * The test's window into the app bundle HotSwapIT installs: a gateway application bound to
 * IoTConnection, ShadowService and JobsService like a real one (a DS component with optional, dynamic,
 * greedy references), which also runs jobs as a whiteboard JobHandler. Only JDK and API types cross
 * this interface.
 */
public interface HotSwapApp {

    /** The connection the app binds: {@code (connection.id=hotswap)}. */
    String CONNECTION_ID = "hotswap";
    /** The thing whose classic shadow and jobs the app binds. */
    String THING_NAME = "itest-hotswap-thing";
    /** The job operation the app handles. */
    String JOB_OPERATION = "itest-hotswap-op";

    /** A publish that {@code IoTConnection.publish} has not answered yet. */
    String PENDING = "PENDING";
    /** The stage completed: the broker acknowledged the publish (QoS 1). */
    String ACKNOWLEDGED = "ACKNOWLEDGED";
    /** The app had no IoTConnection bound when it wanted to publish: nothing was handed over. */
    String NO_SERVICE = "NO_SERVICE";
    /** Prefix of a publish refused at once: {@code publish} threw (e.g. ConnectionClosedException). */
    String THREW = "THREW:";
    /** Prefix of a stage that failed; followed by the exception's simple class name. */
    String FAILED = "FAILED:";

    /** @return whether an IoTConnection, a ShadowService and a JobsService are bound right now */
    boolean allBound();

    /** @return the Bundle-Version of the bundle that registered the bound IoTConnection, or null */
    String connectionProviderVersion();

    /** @return how often each reference was bound so far (keys: connection, shadow, jobs) */
    Map<String, Integer> bindCounts();

    /**
     * Starts a thread that publishes {@code 0, 1, 2, ...} (as text) with QoS 1 on the topic through whatever
     * IoTConnection is bound at that moment, one publish per interval.
     */
    void startPublishing(String topic, long intervalMillis);

    /** Stops the publishing thread and waits for it. */
    void stopPublishing() throws InterruptedException;

    /** @return the outcome of every publish attempt so far, by sequence number (see the constants) */
    Map<Integer, String> outcomes();

    /**
     * Reports a state through the bound ShadowService and waits for the service's answer.
     *
     * @return the reported state of the shadow document the service answered with
     */
    Map<String, Object> reportShadow(Map<String, Object> reported) throws Exception;

    /** @return the job ids pending for the thing, through the bound JobsService */
    List<String> pendingJobs();

    /** @return the ids of the jobs the app's JobHandler ran, in order */
    List<String> jobsRun();
}
