package org.iotgateway.bench;

import java.util.Arrays;
import java.util.List;

/** Median, minimum and maximum of a few samples. */
record Stats(double median, double min, double max, int n) {

    static Stats of(List<Double> samples) {
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return new Stats(median, s[0], s[s.length - 1], s.length);
    }

    static Stats of(double... samples) {
        return of(Arrays.stream(samples).boxed().toList());
    }

    /** @return e.g. {@code 41,200 [39,800-43,100]} */
    String format(String pattern) {
        if (n == 0) {
            return "n/a";
        }
        return String.format(pattern, median) + " [" + String.format(pattern, min) + "–" + String.format(pattern, max)
                + "]";
    }
}
