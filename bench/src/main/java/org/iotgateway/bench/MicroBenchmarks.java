package org.iotgateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.iotgateway.bench.micro.InboundDecodeBenchmark;
import org.iotgateway.shadow.internal.ShadowJsonBenchmark;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH micro-benchmarks: per-message CPU of code paths that a whole-process run cannot isolate. Runs
 * them through JMH's API (forked JVMs, warm-up, measured iterations, GC profiler for bytes allocated per
 * operation) and writes a section to RESULTS.md between {@code <!-- micro -->} markers.
 */
public final class MicroBenchmarks {

    private static final int KEEP = 5;

    private MicroBenchmarks() {
    }

    public static void main(String[] args) throws Exception {
        int forks = Integer.getInteger("bench.micro.forks", 2);
        int warmup = Integer.getInteger("bench.micro.warmup", 3);
        int iterations = Integer.getInteger("bench.micro.iterations", 5);
        String include = System.getProperty("bench.micro.include", "");
        Path results = Path.of(System.getProperty("bench.results", "RESULTS.md")).toAbsolutePath();
        OptionsBuilder o = new OptionsBuilder();
        if (include.isBlank()) {
            o.include(InboundDecodeBenchmark.class.getName() + "\\.").include(ShadowJsonBenchmark.class.getName() + "\\.");
        } else {
            o.include(include);
        }
        Options options = o.forks(forks)
                .warmupIterations(warmup).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
                .jvmArgs("-Xms512m", "-Xmx512m", "-XX:+UseG1GC")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .build();
        String loadBefore = Machine.loadAverage();
        Instant started = Instant.now();
        Collection<RunResult> runs = new Runner(options).run();
        Instant finished = Instant.now();
        String section = section(runs, started, finished, loadBefore, forks, warmup, iterations);
        System.out.println(section);
        ResultBlock.write(results, "micro", "## Micro-benchmarks (JMH): per-message CPU of single code paths\n\n"
                + "Written by `mvn -B -pl bench -am -Pbench-micro verify -DskipTests` (program `MicroBenchmarks`, see "
                + "[README.md](README.md)); newest run first, the last " + KEEP + " kept.\n\n",
                "### Micro-benchmark run of ", section, KEEP);
        System.exit(0);
    }

    static String section(Collection<RunResult> runs, Instant started, Instant finished, String loadBefore, int forks,
            int warmup, int iterations) {
        StringBuilder md = new StringBuilder();
        md.append("### Micro-benchmark run of ").append(PublishBenchmark.utc(started)).append("\n\n");
        md.append("- **Machine:** ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(Machine.cpuModel()).append(", ").append(Machine.os()).append("; ").append(Machine.jdk()).append('\n');
        md.append("- **Load average** before: ").append(loadBefore).append(", after: ").append(Machine.loadAverage())
                .append("; duration ").append(Duration.between(started, finished).toSeconds()).append(" s\n");
        md.append("- **JMH:** average time per operation; ").append(forks).append(" forks × ").append(iterations)
                .append(" measured iterations of 1 s after ").append(warmup)
                .append(" warm-up iterations; ± is JMH's 99.9 % confidence half-width; min–max over the iterations; "
                        + "allocation from JMH's GC profiler (`gc.alloc.rate.norm`)\n");
        md.append("- **Sizes:** `InboundDecodeBenchmark`: a QoS 1 PUBLISH to a 25-character topic; `ShadowJsonBenchmark`: "
                + "the `update/delta` message received is ").append(deltaBytes(8)).append(" bytes with 8 leaves and ")
                .append(deltaBytes(160)).append(" bytes with 160 (state, per-leaf metadata, version, timestamp, client "
                        + "token); the update sent reports the same state\n\n");
        md.append("| benchmark | parameters | µs/op | min–max | bytes allocated/op |\n");
        md.append("|---|---|---:|---:|---:|\n");
        List<RunResult> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> key(a.getParams()).compareTo(key(b.getParams())));
        for (RunResult r : sorted) {
            BenchmarkParams p = r.getParams();
            Result<?> primary = r.getPrimaryResult();
            Map<String, String> params = new TreeMap<>();
            for (String k : p.getParamsKeys()) {
                params.put(k, p.getParam(k));
            }
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            String benchmark = p.getBenchmark();
            String shortName = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            md.append("| `").append(shortName).append("` | ")
                    .append(params.isEmpty() ? "–" : params.toString().replaceAll("[{}]", "")).append(" | ")
                    .append(String.format("%.2f ± %.2f", primary.getScore(), primary.getScoreError())).append(" | ")
                    .append(String.format("%.2f–%.2f", primary.getStatistics().getMin(), primary.getStatistics().getMax()))
                    .append(" | ").append(alloc == null ? "–" : String.format("%,.0f", alloc.getScore())).append(" |\n");
        }
        return md.toString();
    }

    private static int deltaBytes(int leaves) {
        ShadowJsonBenchmark b = new ShadowJsonBenchmark();
        b.leaves = leaves;
        b.setUp();
        return b.deltaBytes();
    }

    private static String key(BenchmarkParams p) {
        StringBuilder k = new StringBuilder(p.getBenchmark());
        for (String name : p.getParamsKeys()) {
            String v = p.getParam(name);
            k.append('|').append(v.matches("\\d+") ? String.format("%012d", Long.parseLong(v)) : v);
        }
        return k.toString();
    }
}
