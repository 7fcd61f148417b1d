#!/bin/sh
# Measures the runnable gateway (distribution/target/gateway) as a user runs it, with -Xmx64m:
#   1. startup to "connected": from launching bin/gateway to the connection's "connected to" log line,
#      first start (empty data directory: the emulator generates its certificates) and second start (reused);
#   2. resident memory (VmRSS of the JVM) once idle: 30 s after the demo finished, on the second start.
# Usage (from the repository root): bench/gateway-footprint.sh [--no-build]
# Prints a Markdown section for bench/RESULTS.md. Needs Linux (/proc), a JDK 17 and Maven.
set -e
cd "$(dirname "$0")/.."
if [ "$1" != "--no-build" ]; then
  mvn -B -q -DskipTests package -pl distribution -am
fi
gateway=distribution/target/gateway/bin/gateway
data=$(mktemp -d)
log=$(mktemp)
idle=${IDLE_SECONDS:-30}
port=${IOTGW_EMULATOR_TLS_PORT:-28883}
http=${IOTGW_HTTP_PORT:-28080}
trap 'rm -rf "$data" "$log"' EXIT

now_ms() { date +%s%3N; }

# start_gateway: starts it in the background (stdin kept open for the shell), sets $pid and $t0
start_gateway() {
  : > "$log"
  t0=$(now_ms)
  (sleep 100000 | GATEWAY_DATA="$data" IOTGW_EMULATOR_TLS_PORT=$port IOTGW_HTTP_PORT=$http JAVA_OPTS=-Xmx64m \
      "$gateway" >> "$log" 2>&1) &
  pid=""
  while [ -z "$pid" ]; do
    sleep 0.05
    pid=$(pgrep -f "gateway.data=$data" | head -1 || true)
  done
}

# wait_for <text> <seconds>: waits for a log line; prints the milliseconds since $t0
wait_for() {
  end=$(( $(date +%s) + $2 ))
  while ! grep -q "$1" "$log"; do
    if [ "$(date +%s)" -gt "$end" ]; then echo "timeout waiting for: $1" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.05
  done
  echo $(( $(now_ms) - t0 ))
}

# cpu_ms: CPU time (user + system) the JVM has used so far, in ms; independent of other load on the machine
cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' /proc/$pid/stat
}

stop_gateway() {
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  pkill -f "sleep 100000" -P $$ 2>/dev/null || true
}

start_gateway
first=$(wait_for "Connection 'aws': connected to" 120)
first_cpu=$(cpu_ms)
wait_for "Demo driver: done" 120 > /dev/null
stop_gateway

start_gateway
second=$(wait_for "Connection 'aws': connected to" 120)
second_cpu=$(cpu_ms)
wait_for "Demo driver: done" 120 > /dev/null
sleep "$idle"
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
threads=$(awk '/^Threads/ {print $2}' /proc/$pid/status)
bundles=$(ls distribution/target/gateway/bundle | wc -l)
stop_gateway

cat <<EOT
## Runnable gateway: startup to connected, resident memory with -Xmx64m

Run of $(date -u '+%Y-%m-%d %H:%M:%S') UTC on $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),
$(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end.
Measured by \`bench/gateway-footprint.sh\`: \`distribution/target/gateway/bin/gateway\` with \`JAVA_OPTS=-Xmx64m\`
(Felix 7.0.5, $bundles bundles including the emulator with its embedded Moquette, Netty and Bouncy Castle, the Web
Console on Jetty and the example app), the connection over mutual TLS to the emulator in the same JVM.

| measure | value |
| --- | --- |
| startup to "connected", first start (emulator generates its CA and certificates) | $first ms (JVM CPU time until then: $first_cpu ms) |
| startup to "connected", second start (certificates reused) | $second ms (JVM CPU time until then: $second_cpu ms) |
| resident memory (VmRSS) idle, ${idle} s after the demo finished | $((rss / 1024)) MB |
| peak resident memory (VmHWM) | $((hwm / 1024)) MB |
| JVM threads | $threads |

Startup is measured from launching the script (JVM start included) to the log line of the MQTT connection; the CPU
time the JVM used until then (user + system, all threads) does not depend on other load on the machine, the wall
time does.
EOT
