#!/usr/bin/env bash
# Signatures per second: the gateway key on a fresh SoftHSM2 token vs software keys (BC, SunEC),
# with 1 and 2 threads, in one run. Usage: bench/jmh/signing.sh [extra JMH options]
# Needs: softhsm2 (apt-get install softhsm2) and the reactor built (mvn -B -q install -DskipTests).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/bench/jmh
LIBRARY=${SOFTHSM_LIBRARY:-/usr/lib/softhsm/libsofthsm2.so}
command -v softhsm2-util >/dev/null && [ -f "$LIBRARY" ] \
  || { echo "signing.sh: SoftHSM2 is needed: apt-get install -y softhsm2" >&2; exit 2; }
[ -d "$MODULE/target/classes/META-INF" ] \
  || { echo "signing.sh: build first: (cd $ROOT && mvn -B -q install -DskipTests)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" > "$WORK/softhsm2.conf"
export SOFTHSM2_CONF=$WORK/softhsm2.conf
PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
softhsm2-util --init-token --free --label bench --so-pin "$PIN-so" --pin "$PIN" >/dev/null

(cd "$ROOT" && mvn -B -q -pl bench/jmh dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP=$MODULE/target/classes:$(cat "$WORK/cp.txt")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
for threads in 1 2; do
  java -cp "$CP" org.openjdk.jmh.Main SigningBenchmark -t "$threads" \
    -jvmArgs "-Dbench.pkcs11.library=$LIBRARY -Dbench.pkcs11.pin=$PIN" -rf csv -rff "$WORK/t$threads.csv" "$@" \
    | grep -E '^(Benchmark +\(|SigningBenchmark)'
done
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
