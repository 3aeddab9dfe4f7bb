#!/usr/bin/env bash
# The hub's cryptographic cost per enrolled child, SunEC (jdk) against a Bouncy Castle provider
# instance (bc), in one run: the proof's child-signature check and the request's PKIX chain check.
# Usage: bench/enroll/verify.sh [extra JMH options]   (after: mvn -B -q -pl hub -am package -DskipTests)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/hub
[ -f "$MODULE/target/test-classes/META-INF/BenchmarkList" ] && [ -d "$MODULE/target/test-lib" ] \
  || { echo "verify.sh: build first: (cd $ROOT && mvn -B -q -pl hub -am package -DskipTests)" >&2; exit 2; }
CP="$MODULE/target/test-classes:$MODULE/target/classes:$MODULE/target/test-lib/*"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
java -cp "$CP" org.openjdk.jmh.Main ChildVerificationBenchmark -t 1 "$@" \
  | grep -E '^(Benchmark +|ChildVerificationBenchmark)'
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
