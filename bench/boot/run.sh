#!/usr/bin/env bash
# Boot benchmark: cold start to all-ACTIVE and resident memory of the assembled Palisade
# distribution (A), compared in the same run with a bare Felix + SCR + ConfigAdmin (B).
#
# Usage: bench/boot/run.sh [-n RUNS] [-s SETTLE_SECONDS] [-d DISTRO_DIR] [-x VARIANT_DIR]...
#   -n RUNS      runs per configuration, interleaved A B A B ... (default 10)
#   -s SECONDS   how long each process settles after all-ACTIVE before RSS is read (default 10)
#   -d DIR       an unpacked distribution other than the built one, e.g. a scratch copy with an
#                edited conf/jvm.options (both A and B use that copy's bin/felix.jar,
#                bundles and JVM options)
#   -x DIR       also start this unpacked distribution in every round, exactly like A (repeatable:
#                X1, X2, ...), e.g. a copy with one JVM option changed; each round then runs
#                A B X1 X2 ..., and a second table compares the variants with A in the same run
#
# Every run starts from a fresh temporary copy with an empty bundle cache: "cold" means a new JVM
# and a new framework cache, not an empty OS page cache. Each configuration gets the same probe
# bundle (bench/boot-probe), which prints one BOOT-PROBE line when every bundle is ACTIVE.
# A starts exactly as users do (bin/palisade run --no-shell, so conf/jvm.options applies);
# B runs bin/felix.jar with the same JVM options and only SCR, its two OSGi utility bundles,
# ConfigAdmin and the probe. Results: a table on stdout, per-run CSV in bench/results/.
# Method and published figures: docs/benchmarks.md.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$SCRIPT_DIR/../.." && pwd)
BUILD_CMD="cd $REPO && mvn -B -q install -DskipTests"
TIMEOUT_S=60       # per run, launch to BOOT-PROBE line
STOP_TIMEOUT_S=15  # SIGTERM, then SIGKILL

RUNS=10
SETTLE=10
DISTRO=""
VARIANT_SRCS=()

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "boot-bench: $*" >&2; exit 1; }

while getopts ':n:s:d:x:h' opt; do
  case "$opt" in
    n) RUNS=$OPTARG ;;
    s) SETTLE=$OPTARG ;;
    d) DISTRO=$OPTARG ;;
    x) VARIANT_SRCS+=("$OPTARG") ;;
    h) usage; exit 0 ;;
    :) echo "boot-bench: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
    *) echo "boot-bench: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "boot-bench: unexpected argument: $1" >&2; usage >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "boot-bench: -n wants a positive integer, not '$RUNS'" >&2; exit 2; }
[[ $SETTLE =~ ^[0-9]+$ ]] || { echo "boot-bench: -s wants a whole number of seconds, not '$SETTLE'" >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Inputs: the unpacked distribution and the probe jar, both from the reactor build.

need_build() {
  echo "boot-bench: $1" >&2
  echo "Build the reactor first:" >&2
  echo "  $BUILD_CMD" >&2
  exit 2
}

shopt -s nullglob
if [ -z "$DISTRO" ]; then
  candidates=("$REPO"/gateway-distro/target/palisade-*/palisade-*/bin/felix.jar)
  [ ${#candidates[@]} -gt 0 ] || need_build "no unpacked distribution under $REPO/gateway-distro/target/"
  [ ${#candidates[@]} -eq 1 ] || die "several unpacked distributions: ${candidates[*]%/bin/felix.jar}; pick one with -d"
  DISTRO=${candidates[0]%/bin/felix.jar}
fi
DISTRO_ABS=$(cd -- "$DISTRO" 2>/dev/null && pwd) || die "no such directory: $DISTRO"
DISTRO=$DISTRO_ABS
[ -f "$DISTRO/bin/felix.jar" ] && [ -x "$DISTRO/bin/palisade" ] && [ -d "$DISTRO/bundle" ] \
  || need_build "$DISTRO is not an unpacked Palisade distribution (bin/felix.jar, bin/palisade, bundle/)"
for ((k = 0; k < ${#VARIANT_SRCS[@]}; k++)); do
  dir=$(cd -- "${VARIANT_SRCS[k]}" 2>/dev/null && pwd) || die "-x: no such directory: ${VARIANT_SRCS[k]}"
  [ -f "$dir/bin/felix.jar" ] && [ -x "$dir/bin/palisade" ] && [ -d "$dir/bundle" ] \
    || die "-x: $dir is not an unpacked Palisade distribution (bin/felix.jar, bin/palisade, bundle/)"
  VARIANT_SRCS[k]=$dir
done

probes=()
for jar in "$REPO"/bench/boot-probe/target/dev.palisade.bench.bootprobe-*.jar; do
  case "$jar" in *-sources.jar|*-javadoc.jar|*-tests.jar) ;; *) probes+=("$jar") ;; esac
done
[ ${#probes[@]} -gt 0 ] || need_build "no probe bundle under $REPO/bench/boot-probe/target/"
[ ${#probes[@]} -eq 1 ] || die "several probe jars: ${probes[*]}; run mvn clean install -pl bench/boot-probe"
PROBE=${probes[0]}

# The bare-Felix bundle set, taken from the distribution so that versions are identical.
BARE_BUNDLES=()
for name in org.apache.felix.scr org.osgi.service.component org.osgi.util.promise \
            org.osgi.util.function org.apache.felix.configadmin; do
  found=("$DISTRO"/bundle/"$name"-[0-9]*.jar)
  [ ${#found[@]} -eq 1 ] || die "expected exactly one $name-<version>.jar in $DISTRO/bundle, found ${#found[@]}"
  BARE_BUNDLES+=("${found[0]}")
done
shopt -u nullglob

# A snapshot of the inputs, taken once: a rebuild of the distribution while the benchmark runs
# (others may be building in the same tree) must not change what the later runs start.
CURRENT_PID=""
CURRENT_TMP=""
SNAPSHOT=""
cleanup() {
  if [ -n "$CURRENT_PID" ] && kill -0 "$CURRENT_PID" 2>/dev/null; then
    kill -KILL "$CURRENT_PID" 2>/dev/null || true
    wait "$CURRENT_PID" 2>/dev/null || true
  fi
  if [ -n "$CURRENT_TMP" ]; then rm -rf -- "$CURRENT_TMP"; fi
  if [ -n "$SNAPSHOT" ]; then rm -rf -- "$SNAPSHOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
SNAPSHOT=$(mktemp -d "${TMPDIR:-/tmp}/palisade-boot-inputs.XXXXXX")
# data/ is left out: it is the default PALISADE_DATA of a gateway someone may be running from there.
mkdir "$SNAPSHOT/distro"
tar -C "$DISTRO" --exclude=./data -cf - . | tar -C "$SNAPSHOT/distro" -xpf -
cp -- "$PROBE" "$SNAPSHOT/"
DISTRO_SRC=$DISTRO
PROBE=$SNAPSHOT/${PROBE##*/}
BARE_BUNDLES=("${BARE_BUNDLES[@]/#"$DISTRO"/$SNAPSHOT/distro}")
DISTRO=$SNAPSHOT/distro
VARIANTS=()   # snapshots of the -x directories: X1 is VARIANTS[0]
for ((k = 0; k < ${#VARIANT_SRCS[@]}; k++)); do
  mkdir "$SNAPSHOT/x$((k + 1))"
  tar -C "${VARIANT_SRCS[k]}" --exclude=./data -cf - . | tar -C "$SNAPSHOT/x$((k + 1))" -xpf -
  VARIANTS+=("$SNAPSHOT/x$((k + 1))")
done

# The same java as bin/palisade, and the same JVM options for both configurations.
if [ -n "${JAVA_HOME:-}" ]; then JAVA=$JAVA_HOME/bin/java; else JAVA=java; fi
command -v "$JAVA" >/dev/null || die "no java: set JAVA_HOME or put java on PATH"
# A distribution's conf/jvm.options as bin/palisade reads it, into OPTS_READ.
read_jvm_options() {
  OPTS_READ=()
  [ -f "$1/conf/jvm.options" ] || return 0
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    case "$line" in ''|'#'*) continue ;; esac
    OPTS_READ+=("$line")
  done < "$1/conf/jvm.options"
}
read_jvm_options "$DISTRO"   # the snapshot's copy
JVM_OPTS=("${OPTS_READ[@]}")
# bin/palisade appends $JAVA_OPTS (word-split); B gets the same.
read -r -a EXTRA_OPTS <<< "${JAVA_OPTS:-}"

# ---------------------------------------------------------------------------------------------
# Helpers that do not fork while a JVM is starting: the machine may have two cores only.

# Sets NOW to the wall clock in ns ($EPOCHREALTIME: microsecond resolution, no fork).
now_ns() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    NOW=${EPOCHREALTIME/[.,]/}000
  else
    NOW=$(date +%s%N)
  fi
}

# A sleep that is a bash builtin: read with a timeout on a pipe that never delivers.
SLEEP_FD=""
# (The group keeps 2>/dev/null temporary: on a bare exec it would silence the whole script.)
{ exec {SLEEP_FD}<> <(:); } 2>/dev/null || SLEEP_FD=""
nap() {
  if [ -n "$SLEEP_FD" ]; then
    read -r -t "$1" -u "$SLEEP_FD" _ || true
  else
    sleep "$1"
  fi
}

# VmRSS of a process in KiB, or -1.
rss_kb() {
  local key value rest
  while read -r key value rest; do
    if [ "$key" = "VmRSS:" ]; then echo "$value"; return 0; fi
  done < "/proc/$1/status" 2>/dev/null || true
  echo -1
}

# utime+stime of a process in ms (from /proc/<pid>/stat), or -1.
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
proc_cpu_ms() {
  local stat
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || { echo -1; return 0; }
  stat=${stat##*) }   # the fields after "(comm) "
  local -a f
  read -r -a f <<< "$stat"
  # After "(comm) ": state=f[0], utime=f[11], stime=f[12].
  echo $(( (f[11] + f[12]) * 1000 / CLK_TCK ))
}

# Alive and not a zombie waiting to be reaped.
alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}


stop_process() {
  local pid=$1 waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if [ "$waited" -ge $((STOP_TIMEOUT_S * 20)) ]; then
      echo "boot-bench: pid $pid ignored SIGTERM for ${STOP_TIMEOUT_S}s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    nap 0.05
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# One run: prints "wall_ms uptime_ms cpu_ms bundles rss_active_kb rss_settle_kb cpu_settle_ms stop_ms".

launch_palisade() { # tmp out err distro
  local tmp=$1
  cp -a -- "$4" "$tmp/palisade"
  cp -- "$PROBE" "$tmp/palisade/bundle/"
  mkdir -p "$tmp/data"
  : > "$2"
  now_ns; T0=$NOW
  (
    unset PALISADE_HOME PALISADE_ETC PALISADE_LOG
    export PALISADE_DATA="$tmp/data" PALISADE_JVM_OPTIONS="$tmp/palisade/conf/jvm.options"
    exec "$tmp/palisade/bin/palisade" run --no-shell
  ) < /dev/null > "$2" 2> "$3" &
  CURRENT_PID=$!
}

launch_bare() { # tmp out err
  local tmp=$1 home=$1/felix
  mkdir -p "$home/bin" "$home/conf" "$home/bundle"
  cp -- "$DISTRO/bin/felix.jar" "$home/bin/"
  cp -- "${BARE_BUNDLES[@]}" "$PROBE" "$home/bundle/"
  cat > "$home/conf/config.properties" <<EOF
# Bare Felix baseline for bench/boot/run.sh: SCR and ConfigAdmin only (plus the probe).
org.osgi.framework.storage=$home/cache
org.osgi.framework.storage.clean=onFirstInit
felix.auto.deploy.dir=$home/bundle
felix.auto.deploy.action=install,start
felix.log.level=2
felix.shutdown.hook=true
EOF
  : > "$2"
  now_ns; T0=$NOW
  (
    cd "$home"
    exec "$JAVA" "${JVM_OPTS[@]}" "${EXTRA_OPTS[@]}" \
      "-Dfelix.config.properties=file:$home/conf/config.properties" -jar "$home/bin/felix.jar"
  ) < /dev/null > "$2" 2> "$3" &
  CURRENT_PID=$!
}

run_one() { # config label
  local config=$1 label=$2 tmp out err pid fd line="" buf="" t1 deadline polls=0
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/palisade-boot.XXXXXX")
  CURRENT_TMP=$tmp
  out=$tmp/stdout.txt
  err=$tmp/stderr.txt
  case "$config" in
    A) launch_palisade "$tmp" "$out" "$err" "$DISTRO" ;;
    B) launch_bare "$tmp" "$out" "$err" ;;
    X*) launch_palisade "$tmp" "$out" "$err" "${VARIANTS[${config#X} - 1]}" ;;
  esac
  pid=$CURRENT_PID
  deadline=$((T0 + TIMEOUT_S * 1000000000))

  # Follow stdout with builtins only, every 10 ms, until the BOOT-PROBE line is complete.
  exec {fd}< "$out"
  while :; do
    if IFS= read -r line <&"$fd"; then
      line=$buf$line
      buf=""
      if [[ $line == *BOOT-PROBE\ * ]]; then now_ns; t1=$NOW; line=BOOT-PROBE\ ${line#*BOOT-PROBE }; break; fi
      continue
    fi
    buf+=$line   # a partial line at the current end of the file
    # Liveness and deadline every 100 ms only: keep the poll loop cheap for a JVM starting on two cores.
    polls=$((polls + 1))
    if [ $((polls % 10)) -ne 0 ]; then nap 0.01; continue; fi
    if ! alive "$pid"; then
      exec {fd}<&-
      wait "$pid" 2>/dev/null && rc=0 || rc=$?
      CURRENT_PID=""
      echo "boot-bench: run $label: the process exited (status $rc) before the BOOT-PROBE line. stdout/stderr tail:" >&2
      tail -n 20 "$out" "$err" >&2 || true
      exit 1
    fi
    now_ns
    if [ "$NOW" -gt "$deadline" ]; then
      exec {fd}<&-
      echo "boot-bench: run $label: TIMEOUT, no BOOT-PROBE line within ${TIMEOUT_S}s (pid $pid). stdout/stderr tail:" >&2
      tail -n 20 "$out" "$err" >&2 || true
      exit 1
    fi
    nap 0.01
  done
  exec {fd}<&-
  local rss_active wall uptime cpu bundles
  rss_active=$(rss_kb "$pid")
  wall=$(( (t1 - T0) / 1000000 ))

  local field
  uptime=-1 cpu=-1 bundles=-1
  for field in $line; do
    case "$field" in
      uptime_ms=*) uptime=${field#*=} ;;
      cpu_ms=*) cpu=${field#*=} ;;
      bundles=*) bundles=${field#*=} ;;
    esac
  done

  # The pid we measure must be the JVM itself (bin/palisade execs java), not a launcher shell.
  local exe
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  [ "${exe##*/}" = java ] || die "run $label: pid $pid is '${exe:-gone}', not java: the RSS would be the launcher's"

  sleep "$SETTLE"
  local rss cpu_settle stop_t0 stop_ms
  alive "$pid" || die "run $label: the process died during the ${SETTLE}s settle time; see its output above"
  rss=$(rss_kb "$pid")
  cpu_settle=$(proc_cpu_ms "$pid")

  now_ns; stop_t0=$NOW
  stop_process "$pid"
  now_ns; stop_ms=$(( (NOW - stop_t0) / 1000000 ))
  CURRENT_PID=""
  if grep -qE '(^|[^A-Za-z])(ERROR|Exception)' "$out" "$err" 2>/dev/null; then
    echo "boot-bench: run $label: note: the process printed errors (first ones below)" >&2
    grep -hE '(^|[^A-Za-z])(ERROR|Exception)' "$out" "$err" | head -n 5 >&2 || true
  fi
  rm -rf -- "$tmp"
  CURRENT_TMP=""
  RESULT="$wall $uptime $cpu $bundles $rss_active $rss $cpu_settle $stop_ms"
}

# ---------------------------------------------------------------------------------------------
# Statistics over the CSV: median (mean of the middle two for an even count), min, max.

stats() { # csv config column -> "median min max" (or "n/a n/a n/a")
  awk -F, -v c="$2" -v col="$3" 'NR > 1 && $2 == c && $col >= 0 { print $col }' "$1" | sort -n |
    awk '{ v[NR] = $1 } END {
      if (NR == 0) { print "n/a n/a n/a"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s %s %s\n", m, v[1], v[NR] }'
}

fmt() { # value divisor decimals
  case "$1" in n/a) echo n/a ;; *) awk -v v="$1" -v d="$2" -v p="$3" 'BEGIN { printf "%.*f", p, v / d }' ;; esac
}

ratio() {
  case "$1$2" in *n/a*) echo n/a; return ;; esac
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

conditions() { # when
  echo "# $1: $(date -u +%Y-%m-%dT%H:%M:%SZ)  load average $(cut -d' ' -f1-3 /proc/loadavg)  nproc $(nproc)"
}

# ---------------------------------------------------------------------------------------------

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=$REPO/bench/results
mkdir -p "$RESULTS_DIR"
CSV=$RESULTS_DIR/boot-$STAMP.csv
echo "run,config,wall_ms,uptime_ms,cpu_ms,bundles,rss_active_kb,rss_settle_kb,cpu_settle_ms,stop_ms" > "$CSV"

echo "# Palisade boot benchmark: $RUNS runs each, interleaved A B${VARIANT_SRCS:+ X...}, ${SETTLE}s settle"
conditions start
echo "# kernel $(uname -sr), $(awk '/MemTotal/ { printf "%d MiB RAM", $2 / 1024 }' /proc/meminfo)"
"$JAVA" -version 2>&1 | sed 's/^/# /'
echo "# A: $DISTRO_SRC (bin/palisade run --no-shell), $(find "$DISTRO/bundle" -maxdepth 1 -name '*.jar' | wc -l) jars in bundle/"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
  echo "# source: git $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
fi
echo "# B: bare Felix (bin/felix.jar) + ${BARE_BUNDLES[*]##*/}"
echo "# probe: ${PROBE##*/}"
echo "# JVM options (from conf/jvm.options): ${JVM_OPTS[*]:-none}${JAVA_OPTS:+  JAVA_OPTS: $JAVA_OPTS}"
CONFIGS=(A B)
for ((k = 0; k < ${#VARIANTS[@]}; k++)); do
  CONFIGS+=("X$((k + 1))")
  # What the variant's JVM options add to or drop from A's.
  read_jvm_options "${VARIANTS[k]}"
  delta=""
  for o in "${OPTS_READ[@]}"; do [[ " ${JVM_OPTS[*]} " == *" $o "* ]] || delta+=" +$o"; done
  for o in "${JVM_OPTS[@]}"; do [[ " ${OPTS_READ[*]} " == *" $o "* ]] || delta+=" -$o"; done
  echo "# X$((k + 1)): ${VARIANT_SRCS[k]} (started like A), $(find "${VARIANTS[k]}/bundle" -maxdepth 1 -name '*.jar' | wc -l) jars in bundle/; JVM options vs A:${delta:- same}"
done
echo

for ((i = 1; i <= RUNS; i++)); do
  for config in "${CONFIGS[@]}"; do
    label="$i/$RUNS $config"
    run_one "$config" "$label"
    read -r wall uptime cpu bundles rss_active rss cpu_settle stop_ms <<< "$RESULT"
    echo "$i,$config,$wall,$uptime,$cpu,$bundles,$rss_active,$rss,$cpu_settle,$stop_ms" >> "$CSV"
    printf 'run %-7s %-8s wall_ms=%-5s uptime_ms=%-5s cpu_ms=%-5s bundles=%-3s rss_active_mb=%-6s rss_mb=%-6s cpu_settle_ms=%-5s stop_ms=%s\n' \
      "$label" "$(case "$config" in A) echo palisade ;; B) echo bare ;; *) echo variant ;; esac)" "$wall" "$uptime" "$cpu" "$bundles" \
      "$(fmt "$rss_active" 1024 1)" "$(fmt "$rss" 1024 1)" "$cpu_settle" "$stop_ms"
  done
done

echo
conditions end
echo
echo "A = Palisade distribution, B = bare Felix + SCR + ConfigAdmin; $RUNS interleaved runs each; MB in the tables = MiB (2^20 bytes)."
echo
echo "| Metric | A median | A min | A max | B median | B min | B max | A/B (medians) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
row() { # title column divisor decimals
  local a b
  read -r -a a <<< "$(stats "$CSV" A "$2")"
  read -r -a b <<< "$(stats "$CSV" B "$2")"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" \
    "$(fmt "${a[0]}" "$3" "$4")" "$(fmt "${a[1]}" "$3" "$4")" "$(fmt "${a[2]}" "$3" "$4")" \
    "$(fmt "${b[0]}" "$3" "$4")" "$(fmt "${b[1]}" "$3" "$4")" "$(fmt "${b[2]}" "$3" "$4")" \
    "$(ratio "${a[0]}" "${b[0]}")"
}
row "wall to all-ACTIVE (ms)" 3 1 0
row "probe uptime_ms" 4 1 0
row "probe cpu_ms" 5 1 0
row "RSS at all-ACTIVE (MB)" 7 1024 1
row "RSS after ${SETTLE} s settle (MB)" 8 1024 1
row "CPU after ${SETTLE} s settle (ms)" 9 1 0
echo

read -r -a wall_a <<< "$(stats "$CSV" A 3)"
read -r -a rss_a <<< "$(stats "$CSV" A 8)"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "n/a" && v < t) ? "MET" : "MISSED" }'; }
echo "Target: median cold start to all-ACTIVE < 1500 ms wall: A median $(fmt "${wall_a[0]}" 1 0) ms -> $(verdict "${wall_a[0]}" 1500)"
# The stricter reading of "96 MB": decimal megabytes (VmRSS is in KiB; 96 MB = 91.55 MiB).
echo "Target: RSS after settle < 96 MB: A median $(fmt "${rss_a[0]}" 1024 1) MiB = $(fmt "${rss_a[0]}" 976.5625 1) MB (max $(fmt "${rss_a[2]}" 976.5625 1) MB) -> $(verdict "$(fmt "${rss_a[0]}" 976.5625 3)" 96)"
echo

if [ ${#VARIANTS[@]} -gt 0 ]; then
  echo "Variants in the same run: median (min-max); ratios are variant median / A median."
  echo
  echo "| Config | wall to all-ACTIVE (ms) | probe cpu_ms | RSS after ${SETTLE} s settle (MiB) | wall / A | cpu / A | RSS / A |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  read -r -a ref_w <<< "$(stats "$CSV" A 3)"
  read -r -a ref_c <<< "$(stats "$CSV" A 5)"
  read -r -a ref_r <<< "$(stats "$CSV" A 8)"
  for config in "${CONFIGS[@]}"; do
    read -r -a w <<< "$(stats "$CSV" "$config" 3)"
    read -r -a c <<< "$(stats "$CSV" "$config" 5)"
    read -r -a r <<< "$(stats "$CSV" "$config" 8)"
    printf '| %s | %s (%s-%s) | %s (%s-%s) | %s (%s-%s) | %s | %s | %s |\n' "$config" \
      "$(fmt "${w[0]}" 1 0)" "$(fmt "${w[1]}" 1 0)" "$(fmt "${w[2]}" 1 0)" \
      "$(fmt "${c[0]}" 1 0)" "$(fmt "${c[1]}" 1 0)" "$(fmt "${c[2]}" 1 0)" \
      "$(fmt "${r[0]}" 1024 1)" "$(fmt "${r[1]}" 1024 1)" "$(fmt "${r[2]}" 1024 1)" \
      "$(ratio "${w[0]}" "${ref_w[0]}")" "$(ratio "${c[0]}" "${ref_c[0]}")" "$(ratio "${r[0]}" "${ref_r[0]}")"
  done
  echo
fi
echo "Raw results: ${CSV#"$REPO"/}"
