#!/usr/bin/env bash
# The hub's cryptographic cost per enrolled child, SunEC (jdk) against a Bouncy Castle provider
# instance (bc), in one run: the proof's child-signature check and the request's PKIX chain check.
# Usage: bench/enroll/verify.sh [extra JMH options]   (after: mvn -B -q -pl hub -am package -DskipTests)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/hubjmh.sh"
hub_jmh verify.sh ChildVerificationBenchmark "$@"
