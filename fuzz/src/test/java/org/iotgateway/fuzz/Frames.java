package org.iotgateway.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Splits a fuzz input into requests: frames separated by a zero byte (which JSON text never contains). */
public final class Frames {

    private Frames() {
    }

    /** @return at most {@code max} frames; the last one keeps any further separators */
    public static List<byte[]> split(byte[] input, int max) {
        List<byte[]> frames = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < input.length && frames.size() < max - 1; i++) {
            if (input[i] == 0) {
                frames.add(Arrays.copyOfRange(input, start, i));
                start = i + 1;
            }
        }
        frames.add(Arrays.copyOfRange(input, start, input.length));
        return frames;
    }
}
