#!/bin/sh
# Measures the runnable gateway (distribution/target/gateway) as a user runs it, with -Xmx64m:
#   1. startup to "connected": from launching bin/gateway to the connection's "connected to" log line,
#      first start (empty data directory: the emulator generates its certificates) and second start (reused);
#   2. resident memory (VmRSS of the JVM) once idle: IDLE_SECONDS after the demo finished, on the second start;
#   3. under load, on a third start: the example app's load generator publishes LOAD_RATE msgs/s of 256 bytes, QoS 1,
#      through the IoTConnection (mutual TLS, disk queue) to the emulator in the same JVM; for LOAD_SECONDS the
#      script samples VmRSS every SAMPLE_SECONDS and reports the steady state (median of the second half), the peak
#      and the JVM's CPU use, next to the rate the generator achieved (from its log);
#   4. the size of our bundle jars (and of the Kura .dp if kura-dp was built).
# Usage (from the repository root): bench/gateway-footprint.sh [--no-build]
# Environment: IDLE_SECONDS (30), LOAD_SECONDS (60), LOAD_RATE (1000, 0 skips the load run), SAMPLE_SECONDS (5),
#   IOTGW_EMULATOR_TLS_PORT (28883), IOTGW_HTTP_PORT (28080).
# Prints a Markdown section for bench/RESULTS.md. Needs Linux (/proc), a JDK 17 and Maven. Every gateway it starts
# is stopped when it ends, also on an error or Ctrl-C.
set -e
cd "$(dirname "$0")/.."
if [ "$1" != "--no-build" ]; then
  mvn -B -q -DskipTests package -pl distribution -am
fi
gateway=distribution/target/gateway/bin/gateway
idle=${IDLE_SECONDS:-30}
load_seconds=${LOAD_SECONDS:-60}
load_rate=${LOAD_RATE:-1000}
sample=${SAMPLE_SECONDS:-5}
port=${IOTGW_EMULATOR_TLS_PORT:-28883}
http=${IOTGW_HTTP_PORT:-28080}
for v in "$idle" "$load_seconds" "$load_rate" "$sample" "$port" "$http"; do
  case "$v" in ''|*[!0-9]*) echo "gateway-footprint.sh: not a whole number: '$v'" >&2; exit 2 ;; esac
done
[ "$sample" -gt 0 ] || { echo "gateway-footprint.sh: SAMPLE_SECONDS must be at least 1" >&2; exit 2; }

work=$(mktemp -d)
data=$work/data
log=$work/gateway.log
pidfile=$work/gateway.pid
stdin=$work/stdin
pid=""

# stop_gateway: SIGTERM (the gateway stops cleanly), SIGKILL after 30 s; reaps the process
stop_gateway() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  (sleep 30; kill -KILL "$pid" 2>/dev/null) >/dev/null 2>&1 &
  watchdog=$!
  wait "$pid" 2>/dev/null || true
  kill "$watchdog" 2>/dev/null || true
  pid=""
}
cleanup() {
  stop_gateway
  exec 3>&- 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The gateway's standard input (its Gogo shell reads it; end of input would end the shell): a FIFO this script keeps
# open, so no helper process is needed and nothing outlives the script.
mkfifo "$stdin"
exec 3<>"$stdin"

now_ms() { date +%s%3N; }

# alive: the gateway process exists and has not exited (an exited child stays a zombie until reaped)
alive() {
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

die() {
  echo "gateway-footprint.sh: $1" >&2
  tail -50 "$log" >&2 || true
  exit 1
}

# start_gateway <load rate>: starts it in the background, sets $pid (the JVM: bin/gateway execs it and writes the
# pid file) and $t0
start_gateway() {
  : > "$log"
  rm -f "$pidfile"
  t0=$(now_ms)
  GATEWAY_DATA="$data" GATEWAY_PIDFILE="$pidfile" IOTGW_EMULATOR_TLS_PORT=$port IOTGW_HTTP_PORT=$http \
    IOTGW_DEMO_LOAD_RATE=$1 JAVA_OPTS=-Xmx64m "$gateway" <"$stdin" >>"$log" 2>&1 &
  pid=$!
  end=$(( $(date +%s) + 30 ))
  while [ ! -s "$pidfile" ]; do
    alive || die "the gateway exited at once"
    [ "$(date +%s)" -le "$end" ] || die "bin/gateway wrote no pid file within 30 s"
    sleep 0.05
  done
  [ "$(cat "$pidfile")" = "$pid" ] || die "pid file $(cat "$pidfile") is not the started process $pid"
}

# wait_for <text> <seconds>: waits for a log line; prints the milliseconds since $t0
wait_for() {
  end=$(( $(date +%s) + $2 ))
  while ! grep -q "$1" "$log"; do
    alive || die "the gateway exited while waiting for: $1"
    [ "$(date +%s)" -le "$end" ] || die "timeout waiting for: $1"
    sleep 0.05
  done
  echo $(( $(now_ms) - t0 ))
}

# cpu_ms: CPU time (user + system, all threads) the JVM has used so far, in ms; independent of other load
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat"
}
# thread_cpu: "<ticks> <thread name>" per thread of the JVM (names as the kernel keeps them: 15 characters)
thread_cpu() {
  for t in /proc/$pid/task/*; do
    printf '%s %s\n' "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)" "$(cat "$t/comm" 2>/dev/null | tr ' ' '_')"
  done
}
status_kb() {
  awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"
}
mb() { awk -v kb="$1" 'BEGIN {printf "%.0f", kb / 1024}'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

start_gateway 0
first=$(wait_for "Connection 'aws': connected to" 120)
first_cpu=$(cpu_ms)
wait_for "Demo driver: done" 120 > /dev/null
stop_gateway

start_gateway 0
second=$(wait_for "Connection 'aws': connected to" 120)
second_cpu=$(cpu_ms)
wait_for "Demo driver: done" 120 > /dev/null
sleep "$idle"
alive || die "the gateway exited while idle"
rss=$(status_kb VmRSS)
hwm=$(status_kb VmHWM)
threads=$(status_kb Threads)
stop_gateway

if [ "$load_rate" -gt 0 ]; then
  start_gateway "$load_rate"
  wait_for "Demo driver: done" 120 > /dev/null
  wait_for "demo-load - Load: started" 120 > /dev/null
  load_rss_before=$(status_kb VmRSS)
  thread_cpu > "$work/threads0"
  c0=$(cpu_ms)
  w0=$(now_ms)
  samples=""
  n=$(( load_seconds / sample ))
  [ "$n" -ge 1 ] || n=1
  i=0
  while [ "$i" -lt "$n" ]; do
    sleep "$sample"
    alive || die "the gateway exited under load"
    samples="$samples $(status_kb VmRSS)"
    i=$((i + 1))
  done
  c1=$(cpu_ms)
  w1=$(now_ms)
  thread_cpu > "$work/threads1"
  # CPU per thread group during the window (names without their trailing numbers), largest first, as % of one core
  hz=$(getconf CLK_TCK)
  top_threads=$(awk -v hz="$hz" -v w=$((w1 - w0)) '
      FNR == NR {before[$2] += $1; next}
      {after[$2] += $1}
      END {
        for (n in after) { g = n; sub(/[-_#]?[0-9]+$/, "", g); d[g] += after[n] - before[n] }
        for (g in d) if (d[g] > 0) printf "%.1f %s\n", 100 * d[g] * 1000 / hz / w, g
      }' "$work/threads0" "$work/threads1" | sort -rn | head -8 | awk '{printf "%s`%s` %s%%", (NR > 1 ? ", " : ""), $2, $1}')
  load_hwm=$(status_kb VmHWM)
  load_threads=$(status_kb Threads)
  cpu_pct=$(awk -v c=$((c1 - c0)) -v w=$((w1 - w0)) 'BEGIN {printf "%.0f", 100 * c / w}')
  cpu_per_msg=$(awk -v c=$((c1 - c0)) -v w=$((w1 - w0)) -v r="$load_rate" 'BEGIN {printf "%.0f", 1000 * c / (w / 1000 * r)}')
  # steady state: median of the second half of the samples; peak: largest sample
  steady=$(echo $samples | tr ' ' '\n' | tail -n $(( (n + 1) / 2 )) | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  peak=$(echo $samples | tr ' ' '\n' | sort -n | tail -1)
  samples_mb=$(for s in $samples; do printf '%s\n' "$(mb "$s")"; done | paste -sd' ' -)
  # the generator's own 10-s reports during the window: achieved publish and completion rates
  rates=$(grep "demo-load - Load: .* msgs/s published" "$log" | sed 's/.*Load: \([0-9.]*\) msgs\/s published, \([0-9.]*\) msgs\/s completed.*/\1 \2/')
  published_range=$(echo "$rates" | awk 'NF == 2 {if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1} END {print min "–" max}')
  completed_range=$(echo "$rates" | awk 'NF == 2 {if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2} END {print min "–" max}')
  stop_gateway
  load_totals=$(grep "demo-load - Load stopped:" "$log" | sed 's/.*Load stopped: //' | tail -1)
  load_gc=$(grep -c "OutOfMemoryError" "$log" || true)
fi

bundles=$(ls distribution/target/gateway/bundle | wc -l)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOT
## Runnable gateway: startup to connected, resident memory with -Xmx64m

Run of $(date -u '+%Y-%m-%d %H:%M:%S') UTC on $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),
$(java -version 2>&1 | head -1), load average $load_before before, $load_after at the end.
Measured by \`bench/gateway-footprint.sh\`: \`distribution/target/gateway/bin/gateway\` with \`JAVA_OPTS=-Xmx64m\`
(Felix 7.0.5, $bundles bundles including the emulator with its embedded Moquette, Netty and Bouncy Castle, the Web
Console on Jetty and the example app), the connection over mutual TLS to the emulator in the same JVM.

| measure | value |
| --- | --- |
| startup to "connected", first start (emulator generates its CA and certificates) | $first ms (JVM CPU time until then: $first_cpu ms) |
| startup to "connected", second start (certificates reused) | $second ms (JVM CPU time until then: $second_cpu ms) |
| resident memory (VmRSS) idle, ${idle} s after the demo finished | $(mb "$rss") MB |
| peak resident memory (VmHWM) of that start | $(mb "$hwm") MB |
| JVM threads, idle | $threads |
EOT
if [ "$load_rate" -gt 0 ]; then
cat <<EOT
| load: the example app publishes $load_rate msgs/s, 256 B, QoS 1 (mutual TLS, disk queue) for ${load_seconds} s: achieved, per 10-s report | published $published_range msgs/s, acknowledged $completed_range msgs/s |
| resident memory (VmRSS) under load, steady state (median of the second half of the samples) | $(mb "$steady") MB |
| resident memory (VmRSS) under load, largest sample / VmHWM of that start | $(mb "$peak") MB / $(mb "$load_hwm") MB |
| resident memory (VmRSS) just before the load started | $(mb "$load_rss_before") MB |
| JVM CPU under load (user + system, all threads, including the emulator's broker in the same JVM) | ${cpu_pct}% of one core, ${cpu_per_msg} µs per message |
| JVM threads under load | $load_threads |

VmRSS samples every ${sample} s under load (MB): $samples_mb.
CPU under load by thread (% of one core; thread names as the kernel shows them, numbers stripped): $top_threads.
Load generator totals at the stop: ${load_totals:-none logged}. OutOfMemoryError in the log: ${load_gc:-0}.
EOT
fi
cat <<EOT

Startup is measured from launching the script (JVM start included) to the log line of the MQTT connection; the CPU
time the JVM used until then (user + system, all threads) does not depend on other load on the machine, the wall
time does.

Bundle jars as shipped (distribution/target/gateway/bundle):

| bundle | size |
| --- | ---: |
EOT
for f in distribution/target/gateway/bundle/iotgw-*.jar; do
  echo "| \`$(basename "$f")\` | $(awk -v b="$(wc -c < "$f")" 'BEGIN {printf "%.0f KB", b / 1024}') |"
done
for f in kura-dp/target/iotgw-kura-*.dp; do
  [ -f "$f" ] && echo "| \`$(basename "$f")\` (Kura deployment package) | $(awk -v b="$(wc -c < "$f")" 'BEGIN {printf "%.2f MB", b / 1048576}') |"
done
exit 0
