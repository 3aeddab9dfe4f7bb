#!/usr/bin/env bash
# The reference hub's per-CONNECT decision (registry lookups + PKIX on a depth-3 chain) against
# PKIX validation alone, in one run.
# Usage: bench/jmh/hub.sh [extra JMH options]   (after: mvn -B -q -pl hub -am package -DskipTests)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/hubjmh.sh"
hub_jmh hub.sh GatewayAuthenticatorBenchmark "$@"
