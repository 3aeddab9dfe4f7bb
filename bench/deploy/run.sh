#!/usr/bin/env bash
# Hot-swap benchmark, end to end on the real distribution: the upstream link bundle replaced by a
# signed one-bundle update set while telemetry flows at 500 messages/s to a real Mosquitto (mutual
# TLS, gateway key on SoftHSM2). The set's link is one micro version higher, so the deployer
# replaces it side by side (make-before-break, docs/deploy.md). Prints the apply time and the
# longest silence at the hub, each with its same-run baselines (the bare framework swap of the
# same bundle in place and side by side; the same load without a swap). The run also asserts that no message is lost (DeployUpstreamIT), and prints the link's
# timing lines of each swap (docs/upstream.md, "Reconnecting") with their log time.
#
# Usage: bench/deploy/run.sh [RUNS]   (default 3; one gateway boot per run)
# Needs the Debian packages mosquitto, mosquitto-clients and softhsm2 (./palisade installs them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
RUNS=${1:-3}
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
for run in $(seq 1 "$RUNS"); do
  (cd "$ROOT" && mvn -B -q -pl gateway-distro -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
     -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test=DeployUpstreamIT >/dev/null 2>&1) \
    || { echo "run $run: DeployUpstreamIT failed (see gateway-distro/target/failsafe-reports)" >&2; exit 1; }
  echo "## run $run"
  cat "$ROOT/gateway-distro/target/deploy-gap.txt"
done
echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
