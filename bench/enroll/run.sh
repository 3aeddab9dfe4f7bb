#!/usr/bin/env bash
# Enrollments per second against the running reference hub, batches of 1, 10, 100 and 1,000
# children, with the gateway key on a fresh SoftHSM2 token, on a fresh TPM 2.0 token (swtpm +
# tpm2-abrmd + tpm2-pkcs11) and in software, and each signer's raw signatures per second in the
# same run. Usage: bench/enroll/run.sh [signers] (default softhsm,tpm,software)
# Environment: BENCH_REPETITIONS (5), BENCH_CHILDREN (1000 per measured run), BENCH_BATCHES (1,10,100,1000),
# BENCH_JVM_OPTS (extra JVM options, e.g. -XX:StartFlightRecording=filename=enroll.jfr,settings=profile),
# BENCH_HUB (inline: the hub in the benchmark's JVM, the default; process: the hub alone in a JVM of its own)
# Needs: the Debian packages of ./palisade's TEST_REQUIREMENTS (softhsm2, swtpm, tpm2-abrmd,
# libtpm2-pkcs11-1, libtpm2-pkcs11-tools, libtss2-tcti-swtpm0, libtss2-tcti-tabrmd0, dbus) and
# the hub built with its tests: mvn -B -q -pl hub -am package -DskipTests
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
MODULE=$ROOT/hub
SIGNERS=${1:-softhsm,tpm,software}
LIBRARY=${SOFTHSM_LIBRARY:-/usr/lib/softhsm/libsofthsm2.so}
TPM_LIBRARY=${TPM2_PKCS11_LIBRARY:-$(ls /usr/lib/*/pkcs11/libtpm2_pkcs11.so 2>/dev/null | head -1)}
ABRMD=$(command -v tpm2-abrmd || echo /usr/sbin/tpm2-abrmd)
command -v softhsm2-util >/dev/null && [ -f "$LIBRARY" ] \
  || { echo "run.sh: SoftHSM2 is needed: apt-get install -y softhsm2" >&2; exit 2; }
command -v swtpm >/dev/null && command -v tpm2_ptool >/dev/null && [ -x "$ABRMD" ] && [ -n "$TPM_LIBRARY" ] \
  || { echo "run.sh: the TPM emulator stack is needed: apt-get install -y swtpm swtpm-tools tpm2-tools" \
         "libtpm2-pkcs11-1 libtpm2-pkcs11-tools libtss2-tcti-swtpm0 tpm2-abrmd libtss2-tcti-tabrmd0 dbus" >&2; exit 2; }
[ -f "$MODULE/target/test-classes/dev/palisade/hub/EnrollmentThroughput.class" ] && [ -d "$MODULE/target/test-lib" ] \
  || { echo "run.sh: build first: (cd $ROOT && mvn -B -q -pl hub -am package -DskipTests)" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  # Stop what this script started, newest first (abrmd, the bus, swtpm), by pid.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# SoftHSM2: a fresh token in a private token directory.
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" > "$WORK/softhsm2.conf"
export SOFTHSM2_CONF=$WORK/softhsm2.conf
PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
softhsm2-util --init-token --free --label enroll-bench --so-pin "$PIN-so" --pin "$PIN" >/dev/null

# TPM 2.0: as bench/jmh/signing.sh (swtpm, a private session bus, tpm2-abrmd, a fresh store).
PORT=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$WORK/tpm-state" "$WORK/tpm-store"
swtpm socket --tpm2 --tpmstate dir="$WORK/tpm-state" --server type=tcp,port=$PORT,bindaddr=127.0.0.1 \
  --ctrl type=tcp,port=$((PORT + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear >"$WORK/swtpm.log" 2>&1 &
PIDS+=($!)
export DBUS_SESSION_BUS_ADDRESS=unix:path=$WORK/bus
dbus-daemon --session --nofork --address="$DBUS_SESSION_BUS_ADDRESS" >"$WORK/dbus.log" 2>&1 &
PIDS+=($!)
sleep 0.5
"$ABRMD" --session --allow-root --flush-all --tcti=swtpm:host=127.0.0.1,port=$PORT >"$WORK/abrmd.log" 2>&1 &
PIDS+=($!)
export TPM2TOOLS_TCTI=tabrmd:bus_type=session TPM2_PKCS11_TCTI=tabrmd:bus_type=session TPM2_PKCS11_STORE=$WORK/tpm-store
TPM_PIN=$(od -An -N6 -tu2 /dev/urandom | tr -d ' \n' | cut -c1-8)
for attempt in $(seq 20); do tpm2_ptool init --path="$WORK/tpm-store" >/dev/null 2>&1 && break; sleep 0.25; done
tpm2_ptool addtoken --path="$WORK/tpm-store" --pid=1 --label=enroll-tpm --sopin="$TPM_PIN-so" --userpin="$TPM_PIN" >/dev/null

CP="$MODULE/target/test-classes:$MODULE/target/classes:$MODULE/target/test-lib/*"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
echo "# children/s end to end (median of ${BENCH_REPETITIONS:-5}); tokenSig/s: the signer's raw rate, same run;"
echo "# hubReq/hubProof: request and proof round trips per child; childSig: the children's software signatures per child"
java -Xmx512m ${BENCH_JVM_OPTS:-} -cp "$CP" -Dlogback.configurationFile="$ROOT/bench/enroll/logback.xml" -Dbench.log="$WORK/hub.log" \
  -Dbench.signers="$SIGNERS" -Dbench.repetitions="${BENCH_REPETITIONS:-5}" -Dbench.children="${BENCH_CHILDREN:-1000}" \
  -Dbench.batches="${BENCH_BATCHES:-1,10,100,1000}" -Dbench.hub="${BENCH_HUB:-inline}" \
  -Dbench.softhsm.library="$LIBRARY" -Dbench.softhsm.pin="$PIN" -Dbench.tpm.library="$TPM_LIBRARY" -Dbench.tpm.pin="$TPM_PIN" \
  dev.palisade.hub.EnrollmentThroughput
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
