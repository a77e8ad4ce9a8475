# Sourced by ./gatun, bench/run and .ci/run: choose a JDK >= 25 without trusting the default `java`.
# Order: JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.
GATUN_MIN_JDK=25
GATUN_JVM_FLAGS="--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector"

gatun_jdk_major() {   # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  # Every JDK since 9 states its version in release (JAVA_VERSION="25.0.3"): reading it costs nothing, where starting
  # the JVM to ask cost 0.2 s of every command. A JDK without the file (8: "1.8.0_...") is asked.
  local version
  version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)"
  if [ -n "$version" ] && [ "$version" != 1 ]; then
    echo "$version"
    return 0
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

gatun_select_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    major="$(gatun_jdk_major "$candidate")"
    [ -n "$major" ] || continue
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge "$GATUN_MIN_JDK" ]; then best="$candidate"; best_major="$major"; break; fi
    if [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
  done
  if [ -z "$best" ] || [ "$best_major" -lt "$GATUN_MIN_JDK" ]; then
    echo "gatun: no JDK >= $GATUN_MIN_JDK found (JAVA_HOME='${JAVA_HOME:-}', /usr/lib/jvm searched): install one, e.g. 'apt-get install temurin-25-jdk', or set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.8's bundled Guice touches sun.misc.Unsafe; JDK 24+ warns about it on every build.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
