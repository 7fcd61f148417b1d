#!/bin/sh
# Builds the gateway (distribution/ and what it needs) and starts it in the foreground. Ctrl-C stops it.
#   ./gateway.sh              build, then start
#   ./gateway.sh --no-build   start what was built last
# Settings: see distribution/README.md (GATEWAY_DATA, ports, JAVA_OPTS).
set -e
cd "$(dirname "$0")"
if [ "$1" = "--no-build" ]; then
  shift
else
  echo "Building the gateway: mvn -B -q -DskipTests package -pl distribution -am"
  mvn -B -q -DskipTests package -pl distribution -am
fi
exec distribution/target/gateway/bin/gateway "$@"
