#!/usr/bin/env bash
# Certificate-chain verification per second: new chains and cached verdicts through the real
# TrustService, against raw ECDSA P-256 verification with the same provider, in one run.
# Usage: bench/jmh/trust.sh [extra JMH options]
#        bench/jmh/trust.sh --interleaved [ROUNDS]   (the same ratio, robust to a busy machine)
# Builds what it needs in the reactor (no `mvn install`: the shared local repository is left alone).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/bundles/dev.palisade.trust
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# test-compile and the class path in one reactor run: the API resolves to its target/classes.
(cd "$ROOT" && mvn -B -q -pl bundles/dev.palisade.trust -am test-compile dependency:build-classpath \
   -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
[ -f "$MODULE/target/test-classes/META-INF/BenchmarkList" ] \
  || { echo "trust.sh: no JMH benchmark list in $MODULE/target/test-classes" >&2; exit 2; }
CP=$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$WORK/cp.txt")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
if [ "${1:-}" = "--interleaved" ]; then
  shift
  java -cp "$CP" dev.palisade.trust.internal.TrustInterleaved "$@" 2>&1 | grep -v ' INFO '
  echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
java -cp "$CP" org.openjdk.jmh.Main TrustBenchmark -t 1 "$@" | grep -E '^(Benchmark +Mode|TrustBenchmark)'
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
