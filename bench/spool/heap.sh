#!/usr/bin/env bash
# Heap per held message of the spool's index, and whether an outage of N messages fits a heap:
# SpoolHeap fills a journal with N messages, measures the heap after a full GC, closes it, opens
# it again (recovery rebuilds the index: the peak of a restart during an outage) and measures again.
#
# Usage: bench/spool/heap.sh [N [XMX [PAYLOAD_BYTES]]]   defaults 1000000 128m 200
# (128m is the distribution's -Xmx, conf/jvm.options). Work files: bench/spool/target/heap-work.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
N=${1:-1000000}
XMX=${2:-128m}
PAYLOAD=${3:-200}
WORK=$ROOT/bench/spool/target/heap-work
rm -rf "$WORK"
mkdir -p "$WORK"
CP_FILE=$ROOT/bench/spool/target/classpath.txt
(cd "$ROOT" && mvn -B -q -pl bench/spool -am package -DskipTests dependency:build-classpath \
   -Dmdep.outputFile="$CP_FILE" >/dev/null)
CP=$ROOT/bench/spool/target/classes:$(cat "$CP_FILE")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$ROOT" && git rev-parse --short HEAD), $(java -version 2>&1 | head -1), -Xmx$XMX -XX:+UseSerialGC"
java -Xmx"$XMX" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" dev.palisade.spool.internal.SpoolHeap "$WORK" "$N" "$PAYLOAD"
rm -rf "$WORK"
