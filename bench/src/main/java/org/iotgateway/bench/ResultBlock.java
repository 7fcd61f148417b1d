package org.iotgateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A block of RESULTS.md that one benchmark program owns, between {@code <!-- name -->} and
 * {@code <!-- /name -->}: its heading, then its runs, newest first, the last few kept. A block that is not
 * there yet goes right before the first other block or run marker (or at the end), so the hand-written
 * sections above stay on top and the publish benchmark's runs ({@code <!-- run -->}) stay below.
 */
final class ResultBlock {

    private ResultBlock() {
    }

    /**
     * @param name       the marker name, e.g. {@code emulator}
     * @param heading    the block's heading and introduction, rewritten every time
     * @param runPrefix  how each run's section starts, e.g. {@code "### Emulator run of "}
     * @param section    the new run, starting with {@code runPrefix}
     * @param keep       runs kept, the new one included
     */
    static void write(Path file, String name, String heading, String runPrefix, String section, int keep)
            throws IOException {
        String begin = "<!-- " + name + " -->";
        String end = "<!-- /" + name + " -->";
        String existing = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Benchmark results\n\n";
        List<String> runs = new ArrayList<>();
        runs.add(section.strip());
        int b = existing.indexOf(begin);
        int e = existing.indexOf(end);
        String before;
        String after;
        if (b >= 0 && e > b) {
            String block = existing.substring(b + begin.length(), e);
            int first = block.indexOf(runPrefix);
            if (first >= 0) {
                for (String run : block.substring(first).split("(?m)^(?=" + java.util.regex.Pattern.quote(runPrefix) + ")")) {
                    if (!run.isBlank() && runs.size() < keep) {
                        runs.add(run.strip());
                    }
                }
            }
            before = existing.substring(0, b);
            after = existing.substring(e + end.length());
        } else {
            // right before the first other block or run (a line starting with a marker), never inside one
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^<!-- ").matcher(existing);
            int cut = m.find() ? m.start() : existing.length();
            before = existing.substring(0, cut);
            after = "\n" + existing.substring(cut);
        }
        String block = begin + "\n" + heading + String.join("\n\n", runs) + "\n" + end;
        Files.writeString(file, before + block + (after.startsWith("\n") ? after : "\n\n" + after), StandardCharsets.UTF_8);
    }
}
