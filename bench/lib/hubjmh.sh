# Sourced by the hub's JMH scripts (bench/jmh/hub.sh, bench/enroll/rule.sh, bench/enroll/verify.sh):
# hub_jmh SCRIPT BENCHMARK [extra JMH options] runs one JMH benchmark class of the hub's test
# sources on one thread, with the date, cores, load and JDK before and the load after.
hub_jmh() {
  local script=$1 benchmark=$2
  shift 2
  local root module
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
  module=$root/hub
  [ -f "$module/target/test-classes/META-INF/BenchmarkList" ] && [ -d "$module/target/test-lib" ] \
    || { echo "$script: build first: (cd $root && mvn -B -q -pl hub -am package -DskipTests)" >&2; return 2; }
  local cp="$module/target/test-classes:$module/target/classes:$module/target/test-lib/*"
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)"
  java -cp "$cp" org.openjdk.jmh.Main "$benchmark" -t 1 "$@" | grep -E "^(Benchmark +|$benchmark)"
  echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
}
