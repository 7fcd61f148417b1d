package org.iotgateway.greengrass.internal;

import static org.iotgateway.fuzz.Findings.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.cert.X509Certificate;
import java.util.List;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryResponseException;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.GreengrassCore;
import org.iotgateway.api.discovery.GreengrassGroup;
import org.iotgateway.fuzz.FuzzBudget;
import org.iotgateway.fuzz.Hostile;
import org.iotgateway.tls.Pem;
import org.iotgateway.tls.TlsMaterialException;
import org.junit.jupiter.api.Test;

/**
 * The body of a discovery answer comes from the network. Contract: {@link DiscoveryParser#parse} answers with the
 * groups or throws {@link DiscoveryResponseException}; every core has a thing ARN, every entry a host and a port in
 * 1..65535; the CA PEM texts of a group are then parsed by {@link Pem#parseCertificates} (as the auto-connect engine
 * does), which answers with certificates or {@link TlsMaterialException}.
 */
class DiscoveryParserFuzzTest {

    @DictionaryEntries({
            "{", "}", "[", "]", ":", ",", "null", "true", "false", "1e999", "-1e999", "1.0", "1e-400",
            "9223372036854775808", "99999999999999999999", "-0", "\"\"", "\"\\u0000\"", "\"GGGroups\"",
            "\"GGGroupId\"", "\"Cores\"", "\"thingArn\"", "\"Connectivity\"", "\"Id\"", "\"HostAddress\"",
            "\"PortNumber\"", "\"Metadata\"", "\"CAs\"", "\"65535\"", "65536", "0", "-----BEGIN CERTIFICATE-----\\x0A",
            "\\x0A-----END CERTIFICATE-----\\x0A"})
    @FuzzTest(maxDuration = FuzzBudget.MAX_DURATION)
    void answer(byte[] body) {
        DiscoveryResult result;
        try {
            result = DiscoveryParser.parse("fuzz-thing", body, "greengrass-ats.iot.eu-west-1.amazonaws.com:8443");
        } catch (DiscoveryResponseException e) {
            check(e.getMessage() != null && e.problem() != null, "a rejection without a message or problem");
            return;
        }
        for (GreengrassGroup group : result.groups()) {
            check(!group.groupId().isEmpty(), "a group without an id");
            for (GreengrassCore core : group.cores()) {
                check(!core.thingArn().isEmpty(), "a core without a thing ARN");
                for (ConnectivityInfo c : core.connectivity()) {
                    check(!c.host().isEmpty(), "an entry without a host");
                    check(c.port() >= 1 && c.port() <= 65535, "port " + c.port());
                }
            }
            int i = 0;
            for (String pem : group.caPems()) {
                try {
                    List<X509Certificate> cas = Pem.parseCertificates(pem, "CA #" + i++ + " of group " + group.groupId());
                    check(!cas.isEmpty(), "no certificate and no exception");
                } catch (TlsMaterialException e) {
                    // documented rejection
                }
            }
        }
    }

    @Test
    void deeplyNestedAnswersAreMalformedNotAStackOverflow() {
        for (byte[] body : new byte[][] {Hostile.nestedArraysIn("GGGroups", 10_000), Hostile.nestedObjects("GGGroups", 10_000)}) {
            DiscoveryResponseException e = assertThrows(DiscoveryResponseException.class,
                    () -> DiscoveryParser.parse("t", body, "endpoint"));
            assertEquals(DiscoveryResponseException.Problem.MALFORMED_JSON, e.problem());
        }
    }
}
