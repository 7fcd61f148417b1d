package org.iotgateway.api.jobs;

import org.iotgateway.api.IoTException;

/**
 * The job execution a handler works on is no longer in progress at the service (cancelled, timed
 * out, removed) or the jobs service stopped: the handler should stop. No further update is sent
 * for the execution.
 */
public class JobCancelledException extends IoTException {

    private static final long serialVersionUID = 1L;

    /** @param message which execution and why */
    public JobCancelledException(String message) {
        super(message);
    }
}
