# Sourced by bench/run, bench/gemm-report and bench/profile-training: selects JDK 25 the way ./gatun does and keeps the test classes
# (which hold the JMH benchmarks and their generated BenchmarkList) up to date.
GATUN_HOME="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
source "$GATUN_HOME/native/jdk.sh"
source "$GATUN_HOME/native/build-lock.sh"
gatun_select_jdk || exit 1

# One benchmark at a time: two on this machine's cores measure each other. bench/report and bench/compare/run
# hold this lock for their whole run and export GATUN_BENCH_LOCK_HELD, so the bench/run calls they make go ahead;
# anything else waits its turn by failing at once.
gatun_bench_lock() {
  [ -z "${GATUN_BENCH_LOCK_HELD:-}" ] || return 0
  local lock="$GATUN_HOME/bench/results/tmp/compare.lock"
  mkdir -p "$(dirname "$lock")"
  exec 9> "$lock"
  if ! flock -n 9; then
    echo "$1: another benchmark (bench/report, bench/compare/run or bench/run) holds $lock; benchmarks never run two at once" >&2
    exit 1
  fi
  export GATUN_BENCH_LOCK_HELD=1
}

# A stamp of our own: Maven leaves target/test.classpath untouched when the class path did not change,
# so its date cannot tell whether the sources are newer than the last build.
GATUN_BENCH_STAMP="$GATUN_HOME/target/bench.stamp"

gatun_bench_current() {
  [ -f "$GATUN_BENCH_STAMP" ] && [ -f "$GATUN_HOME/target/test.classpath" ] \
     && [ -z "$(find "$GATUN_HOME/src" "$GATUN_HOME/bindings" "$GATUN_HOME/bench/java" "$GATUN_HOME/pom.xml" \
                  -newer "$GATUN_BENCH_STAMP" -type f -print -quit)" ]
}

gatun_bench_compile() {
  echo "bench: compiling main and test classes (mvn process-test-classes) ..." >&2
  # process-test-classes, not test-compile: the pom writes target/test.classpath in that phase.
  (cd "$GATUN_HOME" && mvn -B -q -Dstyle.color=never -DskipTests process-test-classes) >&2
}

gatun_bench_build() {
  gatun_bench_current || gatun_build_once "$GATUN_BENCH_STAMP" gatun_bench_current gatun_bench_compile
}

gatun_bench_classpath() {
  echo "$GATUN_HOME/target/test-classes:$GATUN_HOME/target/classes:$(cat "$GATUN_HOME/target/test.classpath")"
}
