#!/usr/bin/env bash
# Modbus TCP throughput: Palisade's bus against bare j2mod, same pymodbus peer, same run.
# Usage: bench/modbus/run.sh [SECONDS] [DEVICE COUNTS...]   (default: 8 s; 1 10 100 devices)
# Needs python3-pymodbus. Builds the bus bundle's test classes (no install), starts the
# simulator from the bundle's test resources, prints one line per device count.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-8}; shift || true
counts=("${@:-1 10 100}")
[[ $# -eq 0 ]] && counts=(1 10 100)
module=bundles/dev.palisade.bus.modbus
mvn -B -q -pl "$module" -am test-compile >/tmp/modbus-bench-build.log || { cat /tmp/modbus-bench-build.log; exit 1; }
mvn -B -q -pl "$module" dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
cp="$module/target/test-classes:$module/target/classes:$(cat $module/target/bench.cp):bundles/dev.palisade.api/target/classes"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$module/src/test/resources/dev/palisade/bus/modbus/modbus-sim.py" tcp "$port" >/tmp/modbus-bench-sim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
echo "peer: pymodbus $(/usr/bin/python3 -c 'import pymodbus; print(pymodbus.__version__)') on 127.0.0.1:$port; $(nproc) cores; $(java -version 2>&1 | head -1)"
for n in "${counts[@]}"; do
  java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.palisade.bus.modbus.internal.ModbusBench 127.0.0.1 "$port" "$n" "$seconds"
done
