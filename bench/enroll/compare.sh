#!/usr/bin/env bash
# The hub's enrollment cost before and after a change, in one run: builds the hub of git ref
# BEFORE (default: the commit before one transaction per message) from a clean export, then
# alternates BEFORE and the working tree's hub, ROUNDS times each, with the gateway key in
# software (so the hub's share is what changes). Usage: bench/enroll/compare.sh [BEFORE] [ROUNDS]
# Environment as run.sh (BENCH_BATCHES default here 10,100,1000; BENCH_REPETITIONS default 3; BENCH_HUB).
# Needs the working tree's hub built: mvn -B -q -pl hub -am package -DskipTests
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BEFORE=${1:-1b68b30}
ROUNDS=${2:-2}
[ -f "$ROOT/hub/target/test-classes/dev/palisade/hub/EnrollmentThroughput.class" ] \
  || { echo "compare.sh: build first: (cd $ROOT && mvn -B -q -pl hub -am package -DskipTests)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
git -C "$ROOT" archive "$BEFORE" | tar -x -C "$WORK"
# The benchmark itself is the working tree's (it only uses the hub through MQTT and the admin CLI).
cp "$ROOT/hub/src/test/java/dev/palisade/hub/EnrollmentThroughput.java" \
   "$ROOT/hub/src/test/java/dev/palisade/hub/EnrollingGateway.java" \
   "$ROOT/hub/src/test/java/dev/palisade/hub/BenchHubProcess.java" "$WORK/hub/src/test/java/dev/palisade/hub/"
(cd "$WORK" && mvn -B -q -pl hub -am package -DskipTests >"$WORK/build.log" 2>&1) \
  || { tail -30 "$WORK/build.log" >&2; exit 1; }
run() {
  local tree=$1 label=$2
  local cp="$tree/hub/target/test-classes:$tree/hub/target/classes:$tree/hub/target/test-lib/*"
  java -Xmx512m -cp "$cp" -Dlogback.configurationFile="$ROOT/bench/enroll/logback.xml" -Dbench.log="$WORK/hub-$label.log" \
    -Dbench.signers=software -Dbench.repetitions="${BENCH_REPETITIONS:-3}" -Dbench.children="${BENCH_CHILDREN:-1000}" \
    -Dbench.batches="${BENCH_BATCHES:-10,100,1000}" -Dbench.hub="${BENCH_HUB:-inline}" dev.palisade.hub.EnrollmentThroughput | sed "s/^/$label /"
}
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), before = $BEFORE ($(git -C "$ROOT" log -1 --format=%s "$BEFORE" | cut -c1-60))"
for round in $(seq "$ROUNDS"); do
  run "$WORK" before
  run "$ROOT" after
done
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
