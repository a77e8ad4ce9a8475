# Sourced by ./gatun: the command line runs from a jar of target/classes with a JDK AOT cache (JEP 483, 514, 515:
# the classes loaded and linked, and the methods' profiles, of a recorded run), which saves about a fifth of a second
# of the main job's start (BENCHMARKS.md, "The start-up cache"). The cache needs its classes in a jar and is only valid
# for the jar (its size and time) and the JDK (its build) it was recorded with, so after every build the jar is packed
# again and a short training run records a new cache. Everything lives in target/launcher/:
#   gatun.jar      target/classes, packed
#   startup.aot    the cache; startup.jdk the JDK it was recorded with (also written when recording failed: no retry
#                  until the next build or another JDK); startup.log the recording's output
# GATUN_STARTUP_CACHE=off runs without it and records none (to measure what it saves, or to rule it out).

# Sets GATUN_JDK_IDENTITY to JAVA_HOME and the build its release file names, read without a fork (forks cost every
# command): a JDK upgraded in place keeps its folder, not its build, and a cache of another build does not load.
gatun_jdk_identity() {
  local line build=""
  if [ -r "$JAVA_HOME/release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_RUNTIME_VERSION=*) build="${line#JAVA_RUNTIME_VERSION=}"; break ;;
      esac
    done < "$JAVA_HOME/release"
  fi
  GATUN_JDK_IDENTITY="$JAVA_HOME $build"
}

# Packs target/classes into target/launcher/gatun.jar when the jar is missing or older than the build stamp ($1). It
# is written beside and renamed into place: a command still running from the old jar keeps reading the old file.
# A new jar makes the cache invalid, so the cache goes with it.
gatun_pack_jar() {
  local stamp="$1" dir="$GATUN_HOME/target/launcher"
  GATUN_CLI_JAR="$dir/gatun.jar"
  if [ -f "$GATUN_CLI_JAR" ] && ! [ "$stamp" -nt "$GATUN_CLI_JAR" ]; then
    return 0
  fi
  mkdir -p "$dir"
  rm -f "$dir/startup.aot" "$dir/startup.jdk"
  "$JAVA_HOME/bin/jar" --create --file "$GATUN_CLI_JAR.$$" -C "$GATUN_HOME/target/classes" . &&
    mv -f "$GATUN_CLI_JAR.$$" "$GATUN_CLI_JAR"
}

# Records the cache when none was recorded for this jar and JDK: a two-epoch training run of the main job's network
# with plots (the classes and profiles of the command people run most), in the JVM's record mode, then the JVM writes
# the cache from that recording. Arguments: the java command's options before -cp, as the commands get them, without
# the user's GATUN_JAVA_OPTS (a cache recorded under a user's collector or flags would not load without them). Takes
# about 8 s, once per build; its output goes to startup.log, and a failure costs only the speed-up.
gatun_record_startup_cache() {
  local dir="$GATUN_HOME/target/launcher" recorded=""
  gatun_jdk_identity
  if [ -f "$dir/startup.jdk" ]; then
    IFS= read -r recorded < "$dir/startup.jdk" || true
  fi
  [ "${GATUN_STARTUP_CACHE:-}" != off ] && [ "$recorded" != "$GATUN_JDK_IDENTITY" ] && [ -w "$dir" ] || return 0
  echo "gatun: recording the JVM's start-up cache for this build (a two-epoch training run, once) ..." >&2
  local work="$dir/recording.$$"
  rm -rf "$work" && mkdir -p "$work"
  local classpath="$dir/gatun.jar:$(cat "$GATUN_HOME/target/runtime.classpath")"
  if "$JAVA_HOME/bin/java" "$@" -XX:AOTMode=record "-XX:AOTConfiguration=$work/startup.aotconf" -cp "$classpath" \
       dev.gatun.cli.Main train --epochs 2 --out "$work/model.gatun" --plots "$work/plots" \
       > "$dir/startup.log" 2>&1 < /dev/null &&
     "$JAVA_HOME/bin/java" "$@" -XX:AOTMode=create "-XX:AOTConfiguration=$work/startup.aotconf" \
       "-XX:AOTCache=$work/startup.aot" -cp "$classpath" >> "$dir/startup.log" 2>&1 < /dev/null &&
     [ -s "$work/startup.aot" ]; then
    mv -f "$work/startup.aot" "$dir/startup.aot"
  else
    rm -f "$dir/startup.aot"
    echo "gatun: no start-up cache (the recording failed; $dir/startup.log says why): commands start without it" >&2
  fi
  printf '%s\n' "$GATUN_JDK_IDENTITY" > "$dir/startup.jdk"
  rm -rf "$work"
}

# Sets GATUN_STARTUP_CACHE_FLAGS: the cache, when one was recorded for this jar and JDK, and the JVM's own warnings
# on stderr in every case (stdout carries --json and predictions). A cache the JVM still refuses (a jar on the class
# path replaced since) is skipped without a word: the command only starts as it would without one.
gatun_startup_cache_flags() {
  local dir="$GATUN_HOME/target/launcher" recorded="" log="all=warning"
  gatun_jdk_identity
  if [ "${GATUN_STARTUP_CACHE:-}" != off ] && [ -f "$dir/startup.aot" ] && [ -f "$dir/startup.jdk" ]; then
    IFS= read -r recorded < "$dir/startup.jdk" || true
  fi
  GATUN_STARTUP_CACHE_FLAGS=""
  if [ -n "$recorded" ] && [ "$recorded" = "$GATUN_JDK_IDENTITY" ]; then
    GATUN_STARTUP_CACHE_FLAGS="-XX:AOTCache=$dir/startup.aot"
    log="$log,aot*=off,cds*=off"
  fi
  GATUN_STARTUP_CACHE_FLAGS="-Xlog:disable -Xlog:$log:stderr:uptime,level,tags $GATUN_STARTUP_CACHE_FLAGS"
}
