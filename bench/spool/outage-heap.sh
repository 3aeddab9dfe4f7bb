#!/usr/bin/env bash
# Does an outage of N messages fit the gateway's shipped heap? Runs the unpacked distribution
# with its own conf/jvm.options (-Xmx128m) twice: once with an empty spool (baseline), once with
# a spool holding N messages written beforehand by SpoolFill (what an outage leaves on disk), so
# the gateway's start recovers them all: the peak of a restart during an outage. No hub link is
# configured, so nothing drains. For each: the spool's recovery line from the log, and the heap
# in use after a full GC (jcmd GC.run, then GC.heap_info).
#
# Usage: bench/spool/outage-heap.sh [N [PAYLOAD_BYTES]]    defaults 1000000 200
# PALISADE_BENCH_HOME=DIR runs another unpacked distribution (e.g. an older spool bundle) instead.
# Needs the distribution built (mvn -B -pl gateway-distro -am package -DskipTests) and a JDK's jcmd.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
N=${1:-1000000}
PAYLOAD=${2:-200}
HOME_DIR=${PALISADE_BENCH_HOME:-$(ls -d "$ROOT"/gateway-distro/target/palisade-*/palisade-* | head -n 1)}
[ -x "$HOME_DIR/bin/palisade" ] || { echo "no unpacked distribution under gateway-distro/target: build it first" >&2; exit 1; }
WORK=$(mktemp -d /tmp/palisade-outage-heap.XXXXXX)   # short path: the admin socket is limited to 107 bytes
trap 'for d in "$WORK"/*/data; do PALISADE_DATA=$d PALISADE_ETC=${d%/data}/etc "$HOME_DIR/bin/palisade" stop >/dev/null 2>&1 || true; done; rm -rf "$WORK"' EXIT
CP_FILE=$ROOT/bench/spool/target/classpath.txt
(cd "$ROOT" && mvn -B -q -pl bench/spool -am package -DskipTests dependency:build-classpath \
   -Dmdep.outputFile="$CP_FILE" >/dev/null)
CP=$ROOT/bench/spool/target/classes:$(cat "$CP_FILE")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$ROOT" && git rev-parse --short HEAD), $(java -version 2>&1 | head -1)"
echo "# heap options: $(grep -E '^-X(mx|ms)|^-XX:\+Use' "$HOME_DIR/conf/jvm.options" | tr '\n' ' ')"
bytes=$((N * (PAYLOAD + 64) + 64 * 1048576))

run() { # name messages
  local name=$1 messages=$2 dir=$WORK/$1
  mkdir -p "$dir/etc" "$dir/data"
  cp "$HOME_DIR"/etc/* "$dir/etc/"
  printf 'max.messages = %s\nmax.bytes = %s\n' "$((N + 100000))" "$bytes" > "$dir/etc/dev.palisade.spool.cfg"
  if [ "$messages" -gt 0 ]; then
    java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.palisade.spool.internal.SpoolFill \
      "$dir/data/spool" "$messages" "$PAYLOAD" >/dev/null
  fi
  export PALISADE_DATA=$dir/data PALISADE_ETC=$dir/etc
  "$HOME_DIR/bin/palisade" start >/dev/null
  local pid; pid=$(cat "$dir/data/palisade.pid")
  # The spool opens as its bundle starts; wait until the command answers with the depth.
  local depth=""
  for _ in $(seq 1 120); do
    depth=$("$HOME_DIR/bin/palisade" spool 2>/dev/null | sed -n 's/^ *depth: //p') && [ -n "$depth" ] && break
    sleep 1
  done
  sleep 5
  jcmd "$pid" GC.run >/dev/null
  # Serial GC: "def new generation total …K, used …K" and "tenured generation total …K, used …K".
  local used; used=$(jcmd "$pid" GC.heap_info | awk '/generation/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub(/K.*/,"",v); s+=v}} END {printf "%.1f MiB", s/1024}')
  local opened; opened=$(grep -o 'Spool .* opened: .*records read in [0-9]* ms' "$dir/data/log/palisade.log" | sed 's/.* opened: //' | tail -n 1)
  local rss; rss=$(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")
  echo "$name: spool depth $depth; recovery: $opened; heap used after full GC $used; RSS $rss"
  "$HOME_DIR/bin/palisade" stop >/dev/null
  unset PALISADE_DATA PALISADE_ETC
}
run empty 0
run "outage-$N" "$N"
