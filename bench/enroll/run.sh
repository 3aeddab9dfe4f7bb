#!/usr/bin/env bash
# Enrollments per second against the running reference hub, batches of 1, 10, 100 and 1,000
# children, with the gateway key on a fresh SoftHSM2 token, on a fresh TPM 2.0 token (swtpm +
# tpm2-abrmd + tpm2-pkcs11) and in software, and each signer's raw signatures per second in the
# same run. Usage: bench/enroll/run.sh [signers] (default softhsm,tpm,software)
# Environment: BENCH_REPETITIONS (5), BENCH_CHILDREN (1000 per measured run), BENCH_BATCHES (1,10,100,1000),
# BENCH_JVM_OPTS (extra JVM options, e.g. -XX:StartFlightRecording=filename=enroll.jfr,settings=profile),
# BENCH_HUB (inline: the hub in the benchmark's JVM, the default; process: the hub alone in a JVM of its own),
# BENCH_CHILD_THREADS (threads the simulated children sign on, in parallel as real devices do; default one per core),
# BENCH_CHILD_PROVIDER (bc, the default, or SunEC: the children's signature implementation),
# BENCH_HUB_JVM_OPTS (extra JVM options of the hub's own JVM with BENCH_HUB=process, e.g. a JFR recording)
# Needs: the Debian packages of ./palisade's TEST_REQUIREMENTS (softhsm2, swtpm, tpm2-abrmd,
# libtpm2-pkcs11-1, libtpm2-pkcs11-tools, libtss2-tcti-swtpm0, libtss2-tcti-tabrmd0, dbus) and
# the hub built with its tests: mvn -B -q -pl hub -am package -DskipTests
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/hub
SIGNERS=${1:-softhsm,tpm,software}
. "$ROOT/bench/lib/tokens.sh"
tokens_require run.sh
[ -f "$MODULE/target/test-classes/dev/palisade/hub/EnrollmentThroughput.class" ] && [ -d "$MODULE/target/test-lib" ] \
  || { echo "run.sh: build first: (cd $ROOT && mvn -B -q -pl hub -am package -DskipTests)" >&2; exit 2; }

tokens_start enroll-bench

CP="$MODULE/target/test-classes:$MODULE/target/classes:$MODULE/target/test-lib/*"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
echo "# children/s end to end (median of ${BENCH_REPETITIONS:-5}); tokenSig/s: the signer's raw rate, same run;"
echo "# hubReq/hubProof: request and proof round trips per child; childSig: the wait for the children's signatures"
echo "# (made in parallel, as on their own devices) per child; childSum: the signatures' own time per child"
java -Xmx512m ${BENCH_JVM_OPTS:-} -cp "$CP" -Dlogback.configurationFile="$ROOT/bench/enroll/logback.xml" -Dbench.log="$WORK/hub.log" \
  -Dbench.signers="$SIGNERS" -Dbench.repetitions="${BENCH_REPETITIONS:-5}" -Dbench.children="${BENCH_CHILDREN:-1000}" \
  -Dbench.batches="${BENCH_BATCHES:-1,10,100,1000}" -Dbench.hub="${BENCH_HUB:-inline}" \
  -Dbench.childThreads="${BENCH_CHILD_THREADS:-$(nproc)}" -Dbench.childProvider="${BENCH_CHILD_PROVIDER:-bc}" \
  -Dbench.hubJvmOpts="${BENCH_HUB_JVM_OPTS:-}" \
  -Dbench.softhsm.library="$LIBRARY" -Dbench.softhsm.pin="$PIN" -Dbench.tpm.library="$TPM_LIBRARY" -Dbench.tpm.pin="$TPM_PIN" \
  dev.palisade.hub.EnrollmentThroughput
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
