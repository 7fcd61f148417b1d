package org.iotgateway.commands.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void anObjectIsParsed() {
        assertEquals(Map.of("led", "on", "n", 2), Json.object("x", " {\"led\":\"on\",\"n\":2} "));
    }

    @Test
    void malformedInputIsNamed() {
        assertMessage("desired state: empty", () -> Json.object("desired state", "  "));
        assertMessage("desired state: not valid JSON", () -> Json.object("desired state", "{led:on}"));
        assertMessage("desired state: not valid JSON", () -> Json.object("desired state", "{\"a\":1} {\"b\":2}"));
        assertMessage("job document: expected a JSON object {...}, got array", () -> Json.object("job document", "[1]"));
        assertMessage("job document: expected a JSON object {...}, got string", () -> Json.object("job document", "\"s\""));
    }

    @Test
    void oversizedAndDeepInputIsRefused() {
        String big = "{\"a\":\"" + "x".repeat(Json.MAX_CHARS) + "\"}";
        assertMessage("x: " + big.length() + " characters; at most " + Json.MAX_CHARS, () -> Json.object("x", big));
        String deep = "{\"a\":".repeat(200) + "1" + "}".repeat(200);
        assertMessage("x: not valid JSON", () -> Json.object("x", deep));
    }

    @Test
    void printableReplacesControlCharactersAndCuts() {
        assertEquals("a.b.c", Json.printable("a\u001b[2Jb\u0007c".replace("[2J", ""), 100));
        String cut = Json.printable("y".repeat(50), 10);
        assertTrue(cut.startsWith("yyyyyyyyyy...(50 characters)"), cut);
    }

    @Test
    void prettyKeepsNonJsonAsIs() {
        assertEquals("not json", Json.pretty("not json"));
        assertTrue(Json.pretty("{\"a\":1}").contains("\"a\" : 1"));
    }

    private static void assertMessage(String expected, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(expected), () -> "'" + e.getMessage() + "' does not start with '" + expected + "'");
    }
}
