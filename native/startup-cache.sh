# Sourced by ./gatun: the command line runs from a jar of target/classes with a JDK AOT cache (JEP 483 and 515: the
# classes loaded and linked, and the methods' profiles, of a recorded run), which saves about a seventh of a second of
# the main job's start (BENCHMARKS.md, "The start-up cache"). The cache needs its classes in a jar and is only valid
# for the jar (its size and time) and the JDK (its build) it was recorded with, so the first command after a build
# packs the jar again and records a new cache with a short training run. Everything lives in target/launcher/:
#   gatun.jar      target/classes, packed
#   startup.aot    the cache; startup.jdk the JDK build it was recorded with (also written when recording failed: no
#                  retry until the next build or another JDK); startup.log the recording's output
#   .lock          held while packing or recording (flock), so two commands started together do one of each
# GATUN_STARTUP_CACHE=off runs without it and records none (to measure what it saves, or to rule it out).
# Nothing here may stop a command: where the jar cannot be packed the command runs from target/classes, and where the
# cache cannot be recorded or used it runs without one.

# Sets GATUN_JDK_IDENTITY to the JDK's vendor and build, read from its release file without a fork (forks cost every
# command): a JDK upgraded in place keeps its folder, not its build. Not its path: the same JDK reached through a
# symlink or with a trailing slash is the same JDK, and the JVM checks the rest when it maps the cache.
gatun_jdk_identity() {
  local line build="" vendor=""
  if [ -r "$JAVA_HOME/release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_RUNTIME_VERSION=*) build="${line#JAVA_RUNTIME_VERSION=}" ;;
        IMPLEMENTOR=*) vendor="${line#IMPLEMENTOR=}" ;;
      esac
    done < "$JAVA_HOME/release"
  fi
  GATUN_JDK_IDENTITY="$vendor $build"
}

# Sets GATUN_RECORDED_JDK to the JDK identity the cache was recorded with (startup.jdk), or to nothing.
gatun_recorded_jdk() {
  GATUN_RECORDED_JDK=""
  if [ -f "$GATUN_HOME/target/launcher/startup.jdk" ]; then
    IFS= read -r GATUN_RECORDED_JDK < "$GATUN_HOME/target/launcher/startup.jdk" || true
  fi
}

# Runs "$@" holding target/launcher/.lock: waits for it with $1 = wait, gives up at once with $1 = try (status 75).
# Without flock (not util-linux) the command runs unlocked. In a subshell, so the lock's descriptor never reaches the
# JVM the launcher execs.
gatun_locked() {
  local how="$1"
  shift
  command -v flock >/dev/null 2>&1 || { "$@"; return; }
  (
    if [ "$how" = wait ]; then flock 9; else flock -n 9 || exit 75; fi
    "$@"
  ) 9> "$GATUN_HOME/target/launcher/.lock"
}

# Whether target/launcher/gatun.jar exists and is not older than the build stamp ($1).
gatun_jar_current() {
  [ -f "$GATUN_HOME/target/launcher/gatun.jar" ] && ! [ "$1" -nt "$GATUN_HOME/target/launcher/gatun.jar" ]
}

# Sets GATUN_CLI_JAR to target/launcher/gatun.jar, packed from target/classes when it is missing or older than the
# build stamp ($1); to target/classes when it cannot be packed (a read-only checkout, a full disk).
gatun_pack_jar() {
  local stamp="$1" dir="$GATUN_HOME/target/launcher"
  GATUN_CLI_JAR="$dir/gatun.jar"
  gatun_jar_current "$stamp" && return 0
  if ! { mkdir -p "$dir" 2>/dev/null && gatun_locked wait gatun_pack_jar_locked "$stamp"; }; then
    echo "gatun: could not pack $GATUN_CLI_JAR; running from target/classes, without the start-up cache" >&2
    GATUN_CLI_JAR="$GATUN_HOME/target/classes"
  fi
}

# Under the lock: another command may have packed it meanwhile. Written beside and renamed into place: a command still
# running from the old jar keeps reading the old file. A new jar makes the cache invalid, so the cache goes first.
gatun_pack_jar_locked() {
  local stamp="$1" jar="$GATUN_HOME/target/launcher/gatun.jar"
  gatun_jar_current "$stamp" && return 0
  rm -f "$GATUN_HOME/target/launcher/startup.aot" "$GATUN_HOME/target/launcher/startup.jdk" &&
    "$JAVA_HOME/bin/jar" --create --file "$jar.$$" -C "$GATUN_HOME/target/classes" . &&
    mv -f "$jar.$$" "$jar" || { rm -f "$jar.$$"; return 1; }
}

# Whether a command line (the CLI's arguments) asks for help or the version: no command, help, or -h, --help, -V or
# --version before any "--" (after it, -h is an argument).
gatun_asks_for_help() {
  local arg
  case "${1:-}" in
    ""|help) return 0 ;;
  esac
  for arg in "$@"; do
    case "$arg" in
      --) return 1 ;;
      -h|--help|-V|--version) return 0 ;;
    esac
  done
  return 1
}

# Whether a command line is one to record the cache for. Asking for help, the version or info ends in half a second
# without a cache and would otherwise wait 8 s for a recording nobody asked for: it runs without one, and the next
# other command records.
gatun_command_records() {
  [ "${1:-}" != info ] && ! gatun_asks_for_help "$@"
}

# Records the cache when none was recorded for this jar and JDK: a two-epoch training run of the main job's network
# with plots (the classes and profiles of the command people run most), in the JVM's record mode, then the JVM writes
# the cache from that recording. Arguments: the java command's options before -cp, as the commands get them, without
# the user's GATUN_JAVA_OPTS (a cache recorded under a user's collector or flags would not load without them). About
# 8 s, once per build; its output goes to startup.log, and a failure costs only the speed-up. Skipped while another
# command records. Returns the recording's status when it was interrupted (Ctrl-C: 130), so the command the user
# stopped is not run after it.
gatun_record_startup_cache() {
  local dir="$GATUN_HOME/target/launcher"
  [ "${GATUN_STARTUP_CACHE:-}" != off ] && [ -f "$dir/gatun.jar" ] || return 0
  gatun_jdk_identity
  gatun_recorded_jdk
  [ "$GATUN_RECORDED_JDK" != "$GATUN_JDK_IDENTITY" ] && [ -w "$dir" ] || return 0
  local status=0
  gatun_locked try gatun_record_startup_cache_locked "$@" || status=$?
  if [ "$status" -gt 128 ]; then
    return "$status"
  fi
  return 0
}

gatun_record_startup_cache_locked() {
  local dir="$GATUN_HOME/target/launcher"
  gatun_recorded_jdk   # again, under the lock: the command that held it may have just recorded
  [ "$GATUN_RECORDED_JDK" != "$GATUN_JDK_IDENTITY" ] || return 0
  echo "gatun: recording the JVM's start-up cache for this build (a two-epoch training run, once) ..." >&2
  local work="$dir/recording.$$" status=0
  # Only the lock's holder records: any other recording folder is what a killed one left.
  rm -rf "$dir"/recording.* && mkdir -p "$work" || return 0
  local classpath
  classpath="$dir/gatun.jar:$(cat "$GATUN_HOME/target/runtime.classpath")" || return 0
  "$JAVA_HOME/bin/java" "$@" -XX:AOTMode=record "-XX:AOTConfiguration=$work/startup.aotconf" -cp "$classpath" \
    dev.gatun.cli.Main train --epochs 2 --out "$work/model.gatun" --plots "$work/plots" \
    > "$dir/startup.log" 2>&1 < /dev/null || status=$?
  if [ "$status" -eq 0 ]; then
    "$JAVA_HOME/bin/java" "$@" -XX:AOTMode=create "-XX:AOTConfiguration=$work/startup.aotconf" \
      "-XX:AOTCache=$work/startup.aot" -cp "$classpath" >> "$dir/startup.log" 2>&1 < /dev/null || status=$?
  fi
  if [ "$status" -gt 128 ]; then
    rm -rf "$work"
    return "$status"
  fi
  if [ "$status" -eq 0 ] && [ -s "$work/startup.aot" ]; then
    mv -f "$work/startup.aot" "$dir/startup.aot"
  else
    rm -f "$dir/startup.aot"
    echo "gatun: no start-up cache (the recording failed; $dir/startup.log says why): commands start without it" >&2
  fi
  printf '%s\n' "$GATUN_JDK_IDENTITY" > "$dir/startup.jdk"
  rm -rf "$work"
}

# Sets the array GATUN_STARTUP_CACHE_FLAGS: the cache, when one was recorded for this jar and JDK, and the JVM's own
# warnings on stderr in every case (stdout carries --json and predictions). A cache the JVM still refuses (a jar on
# the class path replaced since) is skipped without a word: the command only starts as it would without one. Left
# out when GATUN_JAVA_OPTS names a class-data-sharing or AOT option of its own: the JVM refuses to start with both.
gatun_startup_cache_flags() {
  local dir="$GATUN_HOME/target/launcher" recorded="" log="all=warning" opt
  if [ "${GATUN_STARTUP_CACHE:-}" != off ] && [ -f "$dir/startup.aot" ]; then
    gatun_recorded_jdk
    recorded="$GATUN_RECORDED_JDK"
  fi
  local -
  set -f   # no file-name expansion of the words: -Xlog:gc* is an option, not a pattern
  for opt in ${GATUN_JAVA_OPTS:-}; do   # word by word, as the JVM gets them
    case "$opt" in
      -Xshare*|*SharedArchiveFile*|*SharedClassListFile*|*DumpLoadedClassList*|*ArchiveClassesAtExit*|-XX:AOT*)
        recorded="" ;;
    esac
  done
  GATUN_STARTUP_CACHE_FLAGS=()
  [ -z "$recorded" ] || gatun_jdk_identity
  if [ -n "$recorded" ] && [ "$recorded" = "$GATUN_JDK_IDENTITY" ]; then
    GATUN_STARTUP_CACHE_FLAGS=("-XX:AOTCache=$dir/startup.aot")
    log="$log,aot*=off,cds*=off"
  fi
  GATUN_STARTUP_CACHE_FLAGS=(-Xlog:disable "-Xlog:$log:stderr:uptime,level,tags" "${GATUN_STARTUP_CACHE_FLAGS[@]}")
}
