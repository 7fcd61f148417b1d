package org.iotgateway.commands.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows the OSGi log on the console: warnings and errors that framework services (SCR, ConfigAdmin, FileInstall,
 * Metatype) write to the OSGi Log Service go to SLF4J, so an operator sees why a component or configuration failed.
 */
@Component(service = {})
public class LogForwarder implements LogListener {

    private static final Logger LOG = LoggerFactory.getLogger("osgi");

    @Reference
    LogReaderService reader;

    @Activate
    void activate() {
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        if (level != LogLevel.ERROR && level != LogLevel.WARN && level != LogLevel.AUDIT) {
            return;
        }
        String source = entry.getBundle() == null ? "?" : entry.getBundle().getSymbolicName();
        String message = "[" + source + "] " + entry.getMessage();
        if (level == LogLevel.ERROR) {
            LOG.error(message, entry.getException());
        } else {
            LOG.warn(message, entry.getException());
        }
    }
}
