# Sourced by ./gatun (which .ci/run calls) and bench/run: choose a JDK >= 25 without trusting the default `java`.
# Order: JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm.
GATUN_MIN_JDK=25
GATUN_JVM_FLAGS="--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector"

gatun_jdk_major() {   # sets GATUN_JDK_MAJOR to the feature version of the JDK at $1, or to nothing
  GATUN_JDK_MAJOR=""
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  # Every JDK since 9 states its version in release (JAVA_VERSION="25.0.3"). It is read here without a subshell or
  # a sed: forks for each JDK under /usr/lib/jvm cost 45 ms of every command, and starting the JVM to ask 0.2 s. A
  # JDK without the file (8: "1.8.0_...") is asked.
  local line version=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_VERSION=\"*) version="${line#JAVA_VERSION=\"}"; version="${version%%[!0-9]*}"; break ;;
      esac
    done < "$1/release"
  fi
  if [ -n "$version" ] && [ "$version" != 1 ]; then
    GATUN_JDK_MAJOR="$version"
    return 0
  fi
  GATUN_JDK_MAJOR="$("$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')"
}

gatun_select_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    gatun_jdk_major "$candidate"
    major="$GATUN_JDK_MAJOR"
    [ -n "$major" ] || continue
    if [ "$candidate" = "${JAVA_HOME:-}" ] && [ "$major" -ge "$GATUN_MIN_JDK" ]; then best="$candidate"; best_major="$major"; break; fi
    if [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
  done
  if [ -z "$best" ] || [ "$best_major" -lt "$GATUN_MIN_JDK" ]; then
    echo "gatun: no JDK >= $GATUN_MIN_JDK found (JAVA_HOME='${JAVA_HOME:-}', /usr/lib/jvm searched): install one (Debian's archive has no JDK 25: unpack a Temurin 25 from adoptium.net under /usr/lib/jvm, or add Adoptium's apt repository and 'apt-get install temurin-25-jdk'), or set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.8's bundled Guice touches sun.misc.Unsafe; JDK 24+ warns about it on every build.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
