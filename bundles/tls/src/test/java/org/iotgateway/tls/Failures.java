package org.iotgateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.function.Executable;

/** Assertions on {@link TlsMaterialException}s. */
final class Failures {

    private Failures() {
    }

    /**
     * Asserts the call fails with the reason, a message that starts with role, setting and file, contains the
     * fragments, and quotes no line of the file's PEM body.
     */
    static TlsMaterialException assertFails(TlsMaterialException.Reason reason, String role, String setting, Path file,
            Executable call, String... fragments) {
        TlsMaterialException e = assertThrows(TlsMaterialException.class, call);
        String message = e.getMessage();
        assertEquals(reason, e.reason(), message);
        String prefix = role + (setting == null ? "" : " (" + setting + ")") + " " + file + ": ";
        assertTrue(message.startsWith(prefix), "message should start with \"" + prefix + "\" but was: " + message);
        assertEquals(file, e.file());
        assertEquals(setting, e.setting());
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "message should contain \"" + fragment + "\": " + message);
        }
        assertNoContentQuoted(message, file);
        return e;
    }

    /** No base64-looking line of the file may appear in the message. */
    static void assertNoContentQuoted(String message, Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            return;
        }
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return;
        }
        for (String line : text.split("\r\n|\r|\n")) {
            String trimmed = line.trim();
            if (trimmed.length() >= 12 && !trimmed.startsWith("-----") && !trimmed.contains(" ")) {
                for (int i = 0; i + 12 <= trimmed.length(); i += 6) {
                    String piece = trimmed.substring(i, i + 12);
                    assertFalse(message.contains(piece), "message quotes file content \"" + piece + "\": " + message);
                }
            }
        }
    }
}
