package org.iotgateway.emulator;

import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What a test (or the admin endpoint) can do to a running emulator. Documents are JSON text. Shadow
 * changes made here behave like changes made through the service's REST API: {@code update/accepted},
 * {@code update/delta} and {@code update/documents} are published to subscribers as usual.
 *
 * <p>{@code shadowName} is null for the classic (unnamed) shadow everywhere in this interface.
 */
public interface EmulatorControl {

    // ------------------------------------------------------------------ shadows

    /**
     * The shadow as {@code get/accepted} would return it (state with desired / reported / delta,
     * metadata, version, timestamp), or empty when it does not exist.
     */
    Optional<String> shadow(String thingName, String shadowName);

    /**
     * Applies an update document ({@code {"state":{"desired":{...},"reported":{...}},"version":N}})
     * and returns the {@code update/accepted} payload.
     *
     * @throws ShadowRejectedException with the code and message the service would have published on
     *         {@code update/rejected}
     */
    String updateShadow(String thingName, String shadowName, String updateDocument);

    /** Shortcut for {@code updateShadow} with {@code {"state":{"desired":desired}}}. */
    String setDesired(String thingName, String shadowName, String desiredJson);

    /** Shortcut for {@code updateShadow} with {@code {"state":{"reported":reported}}}. */
    String setReported(String thingName, String shadowName, String reportedJson);

    /** Deletes the shadow (publishing {@code delete/accepted}); false when it did not exist. */
    boolean deleteShadow(String thingName, String shadowName);

    /** Names of the thing's existing named shadows. */
    List<String> namedShadows(String thingName);

    // ------------------------------------------------------------------ jobs

    /**
     * Creates a job with the given document (a JSON object) and queues one execution per thing, which
     * publishes {@code notify} and {@code notify-next} as the service does.
     *
     * @throws IllegalArgumentException for an invalid id, name or document
     * @throws IllegalStateException    when a job with this id exists
     */
    void createJob(String jobId, String jobDocument, Collection<String> thingNames);

    /** Varargs form of {@link #createJob(String, String, Collection)}. */
    default void createJob(String jobId, String jobDocument, String... thingNames) {
        createJob(jobId, jobDocument, List.of(thingNames));
    }

    /**
     * Cancels the job: its QUEUED executions become CANCELED; IN_PROGRESS ones too when
     * {@code force}, otherwise they are left alone. Returns the number of executions canceled.
     */
    int cancelJob(String jobId, boolean force);

    /**
     * Cancels one execution (QUEUED, or IN_PROGRESS with {@code force}); false when there was no
     * pending execution.
     *
     * @throws IllegalStateException when the execution is IN_PROGRESS and {@code force} is false
     */
    boolean cancelJobExecution(String thingName, String jobId, boolean force);

    /** Marks a pending execution REMOVED (as when the thing leaves the job's targets). */
    boolean removeJobExecution(String thingName, String jobId);

    Optional<JobExecution> jobExecution(String thingName, String jobId);

    /** All executions of the thing, pending and finished, in queue order. */
    List<JobExecution> jobExecutions(String thingName);

    /**
     * Expires step timers against the emulator's clock now (the emulator also checks periodically)
     * and returns how many executions became TIMED_OUT. With a {@link ManualClock}: advance it, then
     * call this.
     */
    int checkTimeouts();

    // ------------------------------------------------------------------ broker

    List<ConnectedClient> connectedClients();

    /** Drops a client's connection; false when it is not connected. */
    boolean disconnectClient(String clientId);

    /** Stops the MQTT broker (all listeners): connected clients lose their connection. */
    void stopBroker();

    /** Starts the MQTT broker again on the same ports. */
    void startBroker();

    boolean isBrokerRunning();

    // ------------------------------------------------------------------ discovery

    /** Replaces the groups the discovery endpoint returns for the thing (empty: 404). */
    void setDiscoveryGroups(String thingName, List<DiscoveryGroup> groups);

    void addDiscoveryGroup(String thingName, DiscoveryGroup group);

    /** The next {@code times} discovery requests are answered with {@code httpStatus} (e.g. 429, 500). */
    void failDiscovery(int httpStatus, int times);

    // ------------------------------------------------------------------ certificates

    /** Returns the device's credentials, issuing them from the emulator CA when new. */
    DeviceCredentials issueDeviceCertificate(String deviceName);

    /** Makes a client certificate known to the discovery endpoint. */
    void registerClientCertificate(X509Certificate certificate);

    /** Forgets a client certificate: the discovery endpoint answers 401 to it. */
    boolean unregisterClientCertificate(X509Certificate certificate);
}
