#!/usr/bin/env bash
# The hub's child-topic rule per publish: a registry read (before the cache) against the cached
# decision (now), in one run. Usage: bench/enroll/rule.sh [extra JMH options]
# (after: mvn -B -q -pl hub -am package -DskipTests)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/hubjmh.sh"
hub_jmh rule.sh ChildTopicRuleBenchmark "$@"
