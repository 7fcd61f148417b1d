package org.iotgateway.greengrass.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.iotgateway.api.discovery.ConnectivityInfo;
import org.iotgateway.api.discovery.DiscoveryResponseException;
import org.iotgateway.api.discovery.DiscoveryResponseException.Problem;
import org.iotgateway.api.discovery.DiscoveryResult;
import org.iotgateway.api.discovery.GreengrassCore;
import org.iotgateway.api.discovery.GreengrassGroup;

/**
 * Reads the discovery answer: {@code {"GGGroups":[{"GGGroupId", "Cores":[{"thingArn", "Connectivity":[{"Id",
 * "HostAddress", "PortNumber", "Metadata"}]}], "CAs":[pem...]}]}}, keeping the service's order everywhere.
 * <p>
 * Tolerant where the service or its documentation vary: unknown fields are ignored, keys are matched exactly first
 * and then ignoring case (the documentation's templates show camelCase, the service sends PascalCase), missing
 * {@code Cores}, {@code Connectivity} and {@code CAs} arrays are empty, {@code Metadata} may be any JSON value and
 * {@code PortNumber} a number or a numeric string. Strict where a client would otherwise misbehave: the body must
 * be one JSON object (nothing after it), {@code GGGroups} must be an array, every group needs an id, every core a
 * thing ARN, every connectivity entry a host and a port in 1 to 65535.
 */
final class DiscoveryParser {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private DiscoveryParser() {
    }

    /**
     * @param thingName the thing discovery ran for
     * @param body      the answer's body
     * @param endpoint  the endpoint, for messages
     * @return the answer
     * @throws DiscoveryResponseException for malformed or truncated JSON or a document that is not a discovery answer
     */
    static DiscoveryResult parse(String thingName, byte[] body, String endpoint) {
        String where = "Greengrass discovery of thing '" + thingName + "' at " + endpoint + ": ";
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonEOFException e) {
            throw new DiscoveryResponseException(Problem.TRUNCATED, where + "the JSON answer ends early ("
                    + describe(e) + ")", thingName, null);
        } catch (JsonProcessingException e) {
            throw new DiscoveryResponseException(Problem.MALFORMED_JSON, where + "the answer is not valid JSON ("
                    + describe(e) + ")", thingName, null);
        } catch (IOException e) {
            throw new DiscoveryResponseException(Problem.MALFORMED_JSON, where + "the answer cannot be read: " + e,
                    thingName, e);
        }
        try {
            return new DiscoveryResult(thingName, groups(root));
        } catch (InvalidContent | IllegalArgumentException e) {
            throw new DiscoveryResponseException(Problem.INVALID_CONTENT, where + "not a discovery answer: "
                    + e.getMessage(), thingName, null);
        }
    }

    /** Jackson's message without the source excerpt (the body may be long), plus the location. */
    private static String describe(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        String message = e.getOriginalMessage();
        int newline = message == null ? -1 : message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        return Http.printable(String.valueOf(message))
                + (l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr());
    }

    private static List<GreengrassGroup> groups(JsonNode root) {
        if (root == null || root.isMissingNode()) {
            throw new InvalidContent("the body is empty");
        }
        if (!root.isObject()) {
            throw new InvalidContent("the body is a JSON " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", not an object");
        }
        JsonNode groups = field(root, "GGGroups");
        if (groups == null || groups.isNull()) {
            throw new InvalidContent("it has no GGGroups");
        }
        List<GreengrassGroup> result = new ArrayList<>();
        int i = 0;
        for (JsonNode group : array(groups, "GGGroups")) {
            result.add(group(group, "GGGroups[" + i++ + "]"));
        }
        return result;
    }

    private static GreengrassGroup group(JsonNode group, String path) {
        object(group, path);
        String groupId = text(group, "GGGroupId", path, true);
        List<GreengrassCore> cores = new ArrayList<>();
        int i = 0;
        for (JsonNode core : optionalArray(group, "Cores", path)) {
            cores.add(core(core, path + ".Cores[" + i++ + "]"));
        }
        List<String> cas = new ArrayList<>();
        i = 0;
        for (JsonNode ca : optionalArray(group, "CAs", path)) {
            if (!ca.isTextual() || ca.asText().trim().isEmpty()) {
                throw new InvalidContent(path + ".CAs[" + i + "] is not PEM text");
            }
            cas.add(ca.asText());
            i++;
        }
        return new GreengrassGroup(groupId, cores, cas);
    }

    private static GreengrassCore core(JsonNode core, String path) {
        object(core, path);
        String arn = text(core, "thingArn", path, true);
        List<ConnectivityInfo> entries = new ArrayList<>();
        int i = 0;
        for (JsonNode entry : optionalArray(core, "Connectivity", path)) {
            entries.add(connectivity(entry, path + ".Connectivity[" + i++ + "]"));
        }
        return new GreengrassCore(arn, entries);
    }

    private static ConnectivityInfo connectivity(JsonNode entry, String path) {
        object(entry, path);
        String id = text(entry, "Id", path, false);
        String host = text(entry, "HostAddress", path, true);
        JsonNode portNode = field(entry, "PortNumber");
        int port;
        if (portNode == null || portNode.isNull()) {
            throw new InvalidContent(path + " has no PortNumber");
        } else if (portNode.isIntegralNumber() && portNode.canConvertToInt()) {
            port = portNode.intValue();
        } else if (portNode.isTextual() && portNode.asText().trim().matches("[0-9]{1,5}")) {
            port = Integer.parseInt(portNode.asText().trim());
        } else {
            throw new InvalidContent(path + ".PortNumber " + Http.printable(portNode.toString()) + " is not a port");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidContent(path + ".PortNumber " + port + " is not a TCP port (1-65535)");
        }
        JsonNode metadataNode = field(entry, "Metadata");
        String metadata = metadataNode == null || metadataNode.isNull() ? ""
                : metadataNode.isTextual() ? metadataNode.asText() : metadataNode.toString();
        return new ConnectivityInfo(id, host, port, metadata);
    }

    /** The field by exact name, else by name ignoring case; {@code null} if absent. */
    private static JsonNode field(JsonNode object, String name) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<String> names = object.fieldNames(); names.hasNext();) {
            String n = names.next();
            if (n.equalsIgnoreCase(name)) {
                return object.get(n);
            }
        }
        return null;
    }

    private static void object(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new InvalidContent(path + " is not an object");
        }
    }

    private static String text(JsonNode object, String name, String path, boolean required) {
        JsonNode node = field(object, name);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidContent(path + " has no " + name);
            }
            return "";
        }
        if (!node.isValueNode() || node.isBinary()) {
            throw new InvalidContent(path + "." + name + " is not text");
        }
        String text = node.asText().trim();
        if (required && text.isEmpty()) {
            throw new InvalidContent(path + "." + name + " is empty");
        }
        return text;
    }

    private static Iterable<JsonNode> array(JsonNode node, String path) {
        if (!node.isArray()) {
            throw new InvalidContent(path + " is not an array");
        }
        return node;
    }

    private static Iterable<JsonNode> optionalArray(JsonNode object, String name, String path) {
        JsonNode node = field(object, name);
        if (node == null || node.isNull()) {
            return List.of();
        }
        return array(node, path + "." + name);
    }

    /** The document is JSON but not a discovery answer. */
    private static final class InvalidContent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidContent(String message) {
            super(message);
        }
    }
}
