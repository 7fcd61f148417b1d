package org.iotgateway.greengrass.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryResponseException;
import org.iotgateway.api.discovery.DiscoveryResponseException.Problem;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.GreengrassCore;
import org.iotgateway.api.discovery.GreengrassGroup;
import org.junit.jupiter.api.Test;

class DiscoveryParserTest {

    private static DiscoveryResult parse(String json) {
        return DiscoveryParser.parse("thing-1", json.getBytes(StandardCharsets.UTF_8), "endpoint:8443");
    }

    private static DiscoveryResponseException fails(String json) {
        return assertThrows(DiscoveryResponseException.class, () -> parse(json));
    }

    static final String TWO_GROUPS = "{\"GGGroups\":["
            + "{\"GGGroupId\":\"g-1\",\"Cores\":["
            + "  {\"thingArn\":\"arn:aws:iot:eu-west-1:123456789012:thing/core-a\",\"Connectivity\":["
            + "    {\"Id\":\"AUTOIP_192.168.1.4_0\",\"HostAddress\":\"192.168.1.4\",\"PortNumber\":8883,\"Metadata\":\"\"},"
            + "    {\"Id\":\"AUTOIP_10.0.0.2_1\",\"HostAddress\":\"10.0.0.2\",\"PortNumber\":8883,\"Metadata\":\"lan\"},"
            + "    {\"Id\":\"AUTOIP_127.0.0.1_2\",\"HostAddress\":\"localhost\",\"PortNumber\":18883,\"Metadata\":\"lo\"}]},"
            + "  {\"thingArn\":\"arn:aws:iot:eu-west-1:123456789012:thing/core-b\",\"Connectivity\":["
            + "    {\"Id\":\"b1\",\"HostAddress\":\"core-b.plant\",\"PortNumber\":443,\"Metadata\":\"x\"}]}],"
            + " \"CAs\":[\"-----BEGIN CERTIFICATE-----\\nAAA\\n-----END CERTIFICATE-----\\n\"]},"
            + "{\"GGGroupId\":\"g-2\",\"Cores\":[{\"thingArn\":\"arn:aws:iot:eu-west-1:123456789012:thing/core-c\","
            + "  \"Connectivity\":[{\"Id\":\"c1\",\"HostAddress\":\"fe80::1\",\"PortNumber\":8883,\"Metadata\":\"\"}]}],"
            + " \"CAs\":[\"ca-1\",\"ca-2\"]}]}";

    @Test
    void severalGroupsCoresAndEntriesInTheServicesOrder() {
        DiscoveryResult r = parse(TWO_GROUPS);
        assertEquals("thing-1", r.thingName());
        assertEquals(2, r.groups().size());
        GreengrassGroup g1 = r.groups().get(0);
        assertEquals("g-1", g1.groupId());
        assertEquals(List.of("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"), g1.caPems());
        assertEquals(2, g1.cores().size());
        GreengrassCore a = g1.cores().get(0);
        assertEquals("arn:aws:iot:eu-west-1:123456789012:thing/core-a", a.thingArn());
        assertEquals("core-a", a.thingName());
        assertEquals(List.of(new ConnectivityInfo("AUTOIP_192.168.1.4_0", "192.168.1.4", 8883, ""),
                new ConnectivityInfo("AUTOIP_10.0.0.2_1", "10.0.0.2", 8883, "lan"),
                new ConnectivityInfo("AUTOIP_127.0.0.1_2", "localhost", 18883, "lo")), a.connectivity());
        assertEquals("core-b", g1.cores().get(1).thingName());
        assertEquals(443, g1.cores().get(1).connectivity().get(0).port());
        GreengrassGroup g2 = r.groups().get(1);
        assertEquals(List.of("ca-1", "ca-2"), g2.caPems());
        assertEquals("fe80::1", g2.cores().get(0).connectivity().get(0).host());
        assertEquals("g-2", r.group("g-2").get().groupId());
        assertFalse(r.group("g-3").isPresent());
        assertThrows(UnsupportedOperationException.class, () -> r.groups().add(g1));
    }

    @Test
    void unknownFieldsCamelCaseAndLooseTypesAreTolerated() {
        DiscoveryResult r = parse("{\"ggGroups\":[{\"ggGroupId\":\"g\",\"Extra\":{\"x\":[1,2]},\"cores\":["
                + "{\"ThingArn\":\"arn:aws:iot:us-east-1:1:thing/c\",\"connectivity\":["
                + "{\"id\":\"1\",\"hostAddress\":\"h\",\"portNumber\":\"8883\",\"metadata\":{\"zone\":\"a\"},\"new\":1},"
                + "{\"HostAddress\":\"h2\",\"PortNumber\":1}]}]}],\"Unknown\":true}");
        GreengrassCore core = r.groups().get(0).cores().get(0);
        assertEquals(new ConnectivityInfo("1", "h", 8883, "{\"zone\":\"a\"}"), core.connectivity().get(0));
        assertEquals(new ConnectivityInfo("", "h2", 1, ""), core.connectivity().get(1));
        assertTrue(r.groups().get(0).caPems().isEmpty());
    }

    @Test
    void noGroupsAndNoCoresAreValid() {
        assertTrue(parse("{\"GGGroups\":[]}").groups().isEmpty());
        assertTrue(parse("{\"GGGroups\":[{\"GGGroupId\":\"g\"}]}").groups().get(0).cores().isEmpty());
    }

    @Test
    void malformedJson() {
        assertEquals(Problem.MALFORMED_JSON, fails("{\"GGGroups\":[}").problem());
        assertEquals(Problem.MALFORMED_JSON, fails("<html>Service Unavailable</html>").problem());
        assertEquals(Problem.MALFORMED_JSON, fails("{\"GGGroups\":[]} trailing").problem());
        assertEquals(Problem.MALFORMED_JSON, fails("{\"GGGroups\":[]}{}").problem());
    }

    @Test
    void truncatedJson() {
        DiscoveryResponseException e = fails(TWO_GROUPS.substring(0, TWO_GROUPS.length() / 2));
        assertEquals(Problem.TRUNCATED, e.problem());
        assertTrue(e.getMessage().contains("thing-1"), e.getMessage());
        assertEquals(Problem.TRUNCATED, fails("{\"GGGroups\":[{\"GGGroupId\":\"g").problem());
    }

    @Test
    void documentsThatAreNotDiscoveryAnswers() {
        assertEquals(Problem.INVALID_CONTENT, fails("").problem());
        assertEquals(Problem.INVALID_CONTENT, fails("[]").problem());
        assertEquals(Problem.INVALID_CONTENT, fails("{}").problem());
        assertEquals(Problem.INVALID_CONTENT, fails("{\"GGGroups\":{}}").problem());
        assertEquals(Problem.INVALID_CONTENT, fails("{\"GGGroups\":[{\"Cores\":[]}]}").problem());
        assertEquals(Problem.INVALID_CONTENT, fails("{\"GGGroups\":[{\"GGGroupId\":\"g\",\"Cores\":[{}]}]}").problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"PortNumber\":8883")).problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"HostAddress\":\"h\"")).problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"HostAddress\":\"h\",\"PortNumber\":0")).problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"HostAddress\":\"h\",\"PortNumber\":70000")).problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"HostAddress\":\"h\",\"PortNumber\":88.3")).problem());
        assertEquals(Problem.INVALID_CONTENT, fails(entry("\"HostAddress\":[],\"PortNumber\":1")).problem());
        assertEquals(Problem.INVALID_CONTENT,
                fails("{\"GGGroups\":[{\"GGGroupId\":\"g\",\"CAs\":[1]}]}").problem());
        DiscoveryResponseException e = fails(entry("\"HostAddress\":\"h\",\"PortNumber\":0"));
        assertTrue(e.getMessage().contains("GGGroups[0].Cores[0].Connectivity[0].PortNumber"), e.getMessage());
    }

    private static String entry(String fields) {
        return "{\"GGGroups\":[{\"GGGroupId\":\"g\",\"Cores\":[{\"thingArn\":\"arn\",\"Connectivity\":[{" + fields
                + "}]}]}]}";
    }
}
