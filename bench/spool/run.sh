#!/usr/bin/env bash
# Spool storage benchmark: the spool's own journal against SQLite in WAL mode (synchronous=FULL)
# and a raw FileChannel append baseline, with the same messages and sync policy, in one run:
# append rate, drain rate (hand out + acknowledge), and time to open a spool holding N messages.
#
# Usage: bench/spool/run.sh [EVERY_N [GROUPED_N [RECOVERY_N [PAYLOAD_BYTES]]]]
#   defaults 3000 100000 200000 200. Work files go to bench/spool/target/work (same file system
#   as the repository: put the repository on the storage you want to measure; /tmp may be tmpfs,
#   where fsync costs nothing). SPOOL_BENCH_DROP_CACHES=1 (root) measures recovery cold-cache.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
WORK=$ROOT/bench/spool/target/work
mkdir -p "$WORK"
CP_FILE=$ROOT/bench/spool/target/classpath.txt
(cd "$ROOT" && mvn -B -q -pl bench/spool -am package -DskipTests dependency:build-classpath \
   -Dmdep.outputFile="$CP_FILE" >/dev/null)
CP=$ROOT/bench/spool/target/classes:$(cat "$CP_FILE")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
echo "# work dir on: $(df -T "$WORK" | awk 'NR==2 {print $1, $2}')"
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.palisade.spool.internal.SpoolBench "$WORK" "$@"
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WORK"
