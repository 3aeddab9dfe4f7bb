#!/usr/bin/env bash
# End-to-end benchmark of the hub link: the real spool + link over mutual TLS (gateway key on
# SoftHSM2, BCJSSE) against raw Paho QoS 1 with the same key, to the same Mosquitto, same run.
#
#   bench/upstream/run.sh [ONLINE_MESSAGES=50000] [OUTAGE_MESSAGES=100000] [ROUNDS=2] [SPOOL_SYNC=GROUPED|EVERY_MESSAGE]
#
# Needs mosquitto and softhsm2 (./palisade installs TEST_REQUIREMENTS). Builds the link and
# spool modules with the reactor (no install), then runs UpstreamBenchmark with their test
# fixtures (Mosquitto, TestPki, SoftHsmGateway) on the class path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT="$ROOT/bench/upstream/target"
mkdir -p "$OUT/classes"
mvn -B -q -pl bundles/dev.palisade.upstream.mqtt,bundles/dev.palisade.spool -am test-compile
mvn -B -q -pl bundles/dev.palisade.upstream.mqtt dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
CP="bundles/dev.palisade.api/target/classes:bundles/dev.palisade.spool/target/classes"
CP="$CP:bundles/dev.palisade.upstream.mqtt/target/classes:bundles/dev.palisade.upstream.mqtt/target/test-classes"
CP="$CP:$(cat "$OUT/classpath.txt")"
javac -nowarn -d "$OUT/classes" -cp "$CP" $(find bench/upstream/src -name '*.java') 2>&1 | grep -v '^Note:' || true
SOFTHSM_DIR="$OUT/softhsm"
mkdir -p "$SOFTHSM_DIR"
SOFTHSM2_CONF="$SOFTHSM_DIR/softhsm2.conf" exec java -Xmx1g -cp "$OUT/classes:$CP" \
    -Dpalisade.test.softhsm.dir="$SOFTHSM_DIR" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    dev.palisade.upstream.mqtt.internal.UpstreamBenchmark "$@"
