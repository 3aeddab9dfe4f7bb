#!/usr/bin/env bash
# The hub's enrollment cost before and after a change, in one run: builds the hub of git ref
# BEFORE (default: the commit before one transaction per message) from a clean export, then
# alternates BEFORE and the working tree's hub, ROUNDS times each, with the gateway key in
# software (so the hub's share is what changes), or on the tokens BENCH_SIGNERS names (e.g.
# tpm,software; one SoftHSM2 / TPM emulator set-up for the whole run, as run.sh).
# Usage: bench/enroll/compare.sh [BEFORE] [ROUNDS]
# Environment as run.sh (BENCH_BATCHES default here 10,100,1000; BENCH_REPETITIONS default 3; BENCH_HUB;
# BENCH_SIGNERS default software; BENCH_CHILD_THREADS; BENCH_CHILD_PROVIDER).
# Needs the working tree's hub built: mvn -B -q -pl hub -am package -DskipTests
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BEFORE=${1:-1b68b30}
ROUNDS=${2:-2}
[ -f "$ROOT/hub/target/test-classes/dev/palisade/hub/EnrollmentThroughput.class" ] \
  || { echo "compare.sh: build first: (cd $ROOT && mvn -B -q -pl hub -am package -DskipTests)" >&2; exit 2; }
SIGNERS=${BENCH_SIGNERS:-software}
TOKEN_OPTS=()
if [[ $SIGNERS == *softhsm* || $SIGNERS == *tpm* ]]; then
  . "$ROOT/bench/lib/tokens.sh"
  tokens_require compare.sh
  tokens_start enroll-compare # sets WORK (its own directory) and the trap that removes it
  TOKEN_OPTS=(-Dbench.softhsm.library="$LIBRARY" -Dbench.softhsm.pin="$PIN" -Dbench.tpm.library="$TPM_LIBRARY" -Dbench.tpm.pin="$TPM_PIN")
  EXPORT=$WORK/export
  mkdir -p "$EXPORT"
else
  EXPORT=$(mktemp -d)
  trap 'rm -rf "$EXPORT"' EXIT
fi
git -C "$ROOT" archive "$BEFORE" | tar -x -C "$EXPORT"
# The benchmark itself is the working tree's (it only uses the hub through MQTT and the admin CLI).
cp "$ROOT/hub/src/test/java/dev/palisade/hub/EnrollmentThroughput.java" \
   "$ROOT/hub/src/test/java/dev/palisade/hub/EnrollingGateway.java" \
   "$ROOT/hub/src/test/java/dev/palisade/hub/BenchHubProcess.java" "$EXPORT/hub/src/test/java/dev/palisade/hub/"
(cd "$EXPORT" && mvn -B -q -pl hub -am package -DskipTests >"$EXPORT/build.log" 2>&1) \
  || { tail -30 "$EXPORT/build.log" >&2; exit 1; }
run() {
  local tree=$1 label=$2
  local cp="$tree/hub/target/test-classes:$tree/hub/target/classes:$tree/hub/target/test-lib/*"
  java -Xmx512m -cp "$cp" -Dlogback.configurationFile="$ROOT/bench/enroll/logback.xml" -Dbench.log="$EXPORT/hub-$label.log" \
    -Dbench.signers="$SIGNERS" -Dbench.repetitions="${BENCH_REPETITIONS:-3}" -Dbench.children="${BENCH_CHILDREN:-1000}" \
    -Dbench.batches="${BENCH_BATCHES:-10,100,1000}" -Dbench.hub="${BENCH_HUB:-inline}" \
    -Dbench.childThreads="${BENCH_CHILD_THREADS:-$(nproc)}" -Dbench.childProvider="${BENCH_CHILD_PROVIDER:-bc}" \
    "${TOKEN_OPTS[@]}" dev.palisade.hub.EnrollmentThroughput | sed "s/^/$label /"
}
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), before = $BEFORE ($(git -C "$ROOT" log -1 --format=%s "$BEFORE" | cut -c1-60))"
for round in $(seq "$ROUNDS"); do
  run "$EXPORT" before
  run "$ROOT" after
done
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
