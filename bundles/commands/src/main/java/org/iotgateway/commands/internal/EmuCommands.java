package org.iotgateway.commands.internal;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.iotgateway.emulator.ConnectedClient;
import org.iotgateway.emulator.EmulatorControl;
import org.iotgateway.emulator.JobExecution;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Commands that act as the cloud side, scope {@code emu}: present only while the emulator bundle runs (the
 * reference is mandatory, the package import optional).
 */
@Component(service = EmuCommands.class, property = { "osgi.command.scope=emu", "osgi.command.function=clients",
        "osgi.command.function=setdesired", "osgi.command.function=getshadow", "osgi.command.function=createjob",
        "osgi.command.function=executions" })
public class EmuCommands {

    @Reference
    EmulatorControl emulator;

    @Descriptor("list the MQTT clients connected to the emulator")
    public void clients() {
        List<ConnectedClient> clients = emulator.connectedClients();
        if (clients.isEmpty()) {
            System.out.println("no client connected");
        }
        for (ConnectedClient c : clients) {
            System.out.println(c.clientId() + "  from " + c.address() + ":" + c.port());
        }
    }

    @Descriptor("set desired state in a thing's classic shadow, as an application in the cloud would")
    public void setdesired(@Descriptor("thing name") String thing,
            @Descriptor("JSON object, e.g. '{\"led\":\"on\"}'") String json) {
        Json.object("desired state", json); // a clear message before the emulator sees it
        String accepted = emulator.setDesired(thing, null, json);
        System.out.println("desired state of " + thing + " set: " + Json.printable(accepted, 1000));
    }

    @Descriptor("show a thing's classic shadow as the service holds it")
    public void getshadow(@Descriptor("thing name") String thing) {
        System.out.println(emulator.shadow(thing, null).map(Json::pretty).orElse("no shadow for " + thing));
    }

    @Descriptor("create a job for a thing, as an operator in the AWS console would")
    public void createjob(@Descriptor("job id") String jobId, @Descriptor("thing name") String thing,
            @Descriptor("job document, a JSON object, e.g. '{\"operation\":\"set-telemetry-interval\",\"interval\":2}'") String document) {
        Json.object("job document", document);
        emulator.createJob(jobId, document, thing);
        System.out.println("job " + jobId + " created for " + thing);
    }

    @Descriptor("list a thing's job executions on the emulator, finished ones too")
    public void executions(@Descriptor("thing name") String thing) {
        List<JobExecution> all = emulator.jobExecutions(thing);
        if (all.isEmpty()) {
            System.out.println("no job executions for " + thing);
        }
        for (JobExecution e : all) {
            System.out.println(e.jobId() + " #" + e.executionNumber() + "  " + e.status()
                    + (e.statusDetails().isEmpty() ? "" : "  " + e.statusDetails()));
        }
    }
}
