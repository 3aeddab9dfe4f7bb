#!/usr/bin/env bash
# Signatures per second: the gateway key on a fresh SoftHSM2 token and on a fresh TPM 2.0 token
# (swtpm + tpm2-abrmd + tpm2-pkcs11) vs software keys (BC, SunEC), with 1 and 2 threads, in one
# run. Usage: bench/jmh/signing.sh [extra JMH options]
# Needs: the Debian packages of ./palisade's TEST_REQUIREMENTS (softhsm2, swtpm, tpm2-abrmd,
# libtpm2-pkcs11-1, libtpm2-pkcs11-tools, libtss2-tcti-swtpm0, libtss2-tcti-tabrmd0, dbus) and
# the module built: mvn -B -q -pl bench/jmh package
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/bench/jmh
. "$ROOT/bench/lib/tokens.sh"
tokens_require signing.sh
[ -d "$MODULE/target/classes/META-INF" ] \
  || { echo "signing.sh: build first: (cd $ROOT && mvn -B -q -pl bench/jmh package)" >&2; exit 2; }

tokens_start bench

(cd "$ROOT" && mvn -B -q -pl bench/jmh dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP=$MODULE/target/classes:$(cat "$WORK/cp.txt")
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
for threads in 1 2; do
  java -cp "$CP" org.openjdk.jmh.Main SigningBenchmark -t "$threads" \
    -jvmArgs "-Dbench.softhsm.library=$LIBRARY -Dbench.softhsm.pin=$PIN -Dbench.tpm.library=$TPM_LIBRARY -Dbench.tpm.pin=$TPM_PIN" \
    -rf csv -rff "$WORK/t$threads.csv" "$@" \
    | grep -E '^(Benchmark +\(|SigningBenchmark)'
done
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
