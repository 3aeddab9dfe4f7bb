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
LIBRARY=${SOFTHSM_LIBRARY:-/usr/lib/softhsm/libsofthsm2.so}
TPM_LIBRARY=${TPM2_PKCS11_LIBRARY:-$(ls /usr/lib/*/pkcs11/libtpm2_pkcs11.so 2>/dev/null | head -1)}
ABRMD=$(command -v tpm2-abrmd || echo /usr/sbin/tpm2-abrmd)
command -v softhsm2-util >/dev/null && [ -f "$LIBRARY" ] \
  || { echo "signing.sh: SoftHSM2 is needed: apt-get install -y softhsm2" >&2; exit 2; }
command -v swtpm >/dev/null && command -v tpm2_ptool >/dev/null && [ -x "$ABRMD" ] && [ -n "$TPM_LIBRARY" ] \
  || { echo "signing.sh: the TPM emulator stack is needed: apt-get install -y swtpm swtpm-tools tpm2-tools" \
         "libtpm2-pkcs11-1 libtpm2-pkcs11-tools libtss2-tcti-swtpm0 tpm2-abrmd libtss2-tcti-tabrmd0 dbus" >&2; exit 2; }
[ -d "$MODULE/target/classes/META-INF" ] \
  || { echo "signing.sh: build first: (cd $ROOT && mvn -B -q -pl bench/jmh package)" >&2; exit 2; }

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
softhsm2-util --init-token --free --label bench --so-pin "$PIN-so" --pin "$PIN" >/dev/null

# TPM 2.0: swtpm (control port = server port + 1, which the swtpm TCTI assumes), a private session
# bus, tpm2-abrmd on it (never the TPM directly: see docs/identity.md), a fresh tpm2-pkcs11 store.
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
tpm2_ptool addtoken --path="$WORK/tpm-store" --pid=1 --label=bench-tpm --sopin="$TPM_PIN-so" --userpin="$TPM_PIN" >/dev/null

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
