# Sourced by the benchmarks that sign with the gateway key on real tokens (bench/jmh/signing.sh,
# bench/enroll/run.sh): a fresh SoftHSM2 token and a fresh TPM 2.0 token (swtpm + tpm2-abrmd +
# tpm2-pkcs11) in a private work directory, and everything stopped and removed at exit.
# Needs the Debian packages of ./palisade's TEST_REQUIREMENTS (softhsm2, swtpm, swtpm-tools,
# tpm2-tools, libtpm2-pkcs11-1, libtpm2-pkcs11-tools, libtss2-tcti-swtpm0, tpm2-abrmd,
# libtss2-tcti-tabrmd0, dbus).

LIBRARY=${SOFTHSM_LIBRARY:-/usr/lib/softhsm/libsofthsm2.so}
TPM_LIBRARY=${TPM2_PKCS11_LIBRARY:-$(ls /usr/lib/*/pkcs11/libtpm2_pkcs11.so 2>/dev/null | head -1)}
ABRMD=$(command -v tpm2-abrmd || echo /usr/sbin/tpm2-abrmd)

# tokens_require SCRIPT: exits 2, saying what to install, unless both token stacks are there.
tokens_require() {
  command -v softhsm2-util >/dev/null && [ -f "$LIBRARY" ] \
    || { echo "$1: SoftHSM2 is needed: apt-get install -y softhsm2" >&2; exit 2; }
  command -v swtpm >/dev/null && command -v tpm2_ptool >/dev/null && [ -x "$ABRMD" ] && [ -n "$TPM_LIBRARY" ] \
    || { echo "$1: the TPM emulator stack is needed: apt-get install -y swtpm swtpm-tools tpm2-tools" \
           "libtpm2-pkcs11-1 libtpm2-pkcs11-tools libtss2-tcti-swtpm0 tpm2-abrmd libtss2-tcti-tabrmd0 dbus" >&2; exit 2; }
}

# tokens_start LABEL: sets WORK, PIN (SoftHSM2 user PIN, SOFTHSM2_CONF exported) and TPM_PIN (the
# TPM token's user PIN, its TCTI and store exported); stops and removes all of it at exit.
tokens_start() {
  local label=$1 port attempt
  WORK=$(mktemp -d)
  PIDS=()
  trap tokens_cleanup EXIT

  # SoftHSM2: a fresh token in a private token directory.
  mkdir -p "$WORK/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" > "$WORK/softhsm2.conf"
  export SOFTHSM2_CONF=$WORK/softhsm2.conf
  PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  softhsm2-util --init-token --free --label "$label" --so-pin "$PIN-so" --pin "$PIN" >/dev/null

  # TPM 2.0: swtpm (control port = server port + 1, which the swtpm TCTI assumes), a private
  # session bus, tpm2-abrmd on it (never the TPM directly: see docs/identity.md), a fresh
  # tpm2-pkcs11 store.
  port=$(( 20000 + RANDOM % 20000 ))
  mkdir -p "$WORK/tpm-state" "$WORK/tpm-store"
  swtpm socket --tpm2 --tpmstate dir="$WORK/tpm-state" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
    --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear >"$WORK/swtpm.log" 2>&1 &
  PIDS+=($!)
  export DBUS_SESSION_BUS_ADDRESS=unix:path=$WORK/bus
  dbus-daemon --session --nofork --address="$DBUS_SESSION_BUS_ADDRESS" >"$WORK/dbus.log" 2>&1 &
  PIDS+=($!)
  sleep 0.5
  "$ABRMD" --session --allow-root --flush-all --tcti=swtpm:host=127.0.0.1,port=$port >"$WORK/abrmd.log" 2>&1 &
  PIDS+=($!)
  export TPM2TOOLS_TCTI=tabrmd:bus_type=session TPM2_PKCS11_TCTI=tabrmd:bus_type=session TPM2_PKCS11_STORE=$WORK/tpm-store
  TPM_PIN=$(od -An -N6 -tu2 /dev/urandom | tr -d ' \n' | cut -c1-8)
  # tpm2-abrmd needs a moment on a loaded machine: retry the store's primary object, and say so
  # if it never came (tpm2_ptool addtoken would only say "No primary object id: 1").
  local ready=""
  for attempt in $(seq 40); do
    if tpm2_ptool init --path="$WORK/tpm-store" >"$WORK/ptool-init.log" 2>&1; then ready=1; break; fi
    sleep 0.25
  done
  [ -n "$ready" ] || { echo "tokens.sh: the TPM emulator did not answer within 10 s:" \
    "$(cat "$WORK/ptool-init.log" "$WORK/abrmd.log")" >&2; exit 2; }
  tpm2_ptool addtoken --path="$WORK/tpm-store" --pid=1 --label="$label-tpm" --sopin="$TPM_PIN-so" --userpin="$TPM_PIN" >/dev/null
}

tokens_cleanup() {
  # Stop what tokens_start started, newest first (abrmd, the bus, swtpm), by pid.
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
