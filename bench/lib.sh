# Sourced by bench/run and bench/gemm-report: selects JDK 25 the way ./gatun does and keeps the test classes
# (which hold the JMH benchmarks and their generated BenchmarkList) up to date.
GATUN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$GATUN_HOME/native/jdk.sh"
gatun_select_jdk || exit 1

# A stamp of our own: Maven leaves target/test.classpath untouched when the class path did not change,
# so its date cannot tell whether the sources are newer than the last build.
GATUN_BENCH_STAMP="$GATUN_HOME/target/bench.stamp"

gatun_bench_build() {
  if [ -f "$GATUN_BENCH_STAMP" ] && [ -f "$GATUN_HOME/target/test.classpath" ] \
     && [ -z "$(find "$GATUN_HOME/src" "$GATUN_HOME/bindings" "$GATUN_HOME/bench/java" "$GATUN_HOME/pom.xml" \
                  -newer "$GATUN_BENCH_STAMP" -type f -print -quit)" ]; then
    return 0
  fi
  echo "bench: compiling main and test classes (mvn process-test-classes) ..." >&2
  # process-test-classes, not test-compile: the pom writes target/test.classpath in that phase.
  (cd "$GATUN_HOME" && mvn -B -q -Dstyle.color=never -DskipTests process-test-classes) >&2 || return 1
  touch "$GATUN_BENCH_STAMP"
}

gatun_bench_classpath() {
  echo "$GATUN_HOME/target/test-classes:$GATUN_HOME/target/classes:$(cat "$GATUN_HOME/target/test.classpath")"
}
