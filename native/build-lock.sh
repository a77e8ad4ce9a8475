# Sourced by ./gatun and bench/lib.sh: builds into target/ one at a time, stamped with the time the build started.
#   gatun_build_once STAMP CHECK BUILD...   runs BUILD unless CHECK (a function: "is the build current?") says so,
#                                           holding target/.build.lock, and then moves a stamp taken before BUILD
#                                           started to STAMP. BUILD runs as a condition, where set -e does not
#                                           stop it: a BUILD of several steps chains them with &&.
# Why the stamp predates the build: a source saved while Maven compiles is newer than that stamp, so the next command
# builds again; a stamp touched after Maven finished was newer than the edit, which then was never built.
# Why the lock: two commands started together (a fresh clone, just after an edit) ran two Maven builds over the same
# target/ classes and class path files at once. The second one waits, then finds the build current. Without flock
# (not util-linux) builds run unlocked.
gatun_build_once() {
  local stamp="$1" current="$2"
  shift 2
  mkdir -p "$GATUN_HOME/target"
  if command -v flock >/dev/null 2>&1; then
    (
      flock 9
      gatun_build_stamped "$stamp" "$current" "$@"
    ) 9> "$GATUN_HOME/target/.build.lock"
  else
    gatun_build_stamped "$stamp" "$current" "$@"
  fi
}

gatun_build_stamped() {
  local stamp="$1" current="$2"
  shift 2
  "$current" && return 0
  local started="$stamp.started-$$"
  : > "$started"
  if "$@"; then
    mv -f -- "$started" "$stamp"
  else
    local status=$?
    rm -f -- "$started"
    return "$status"
  fi
}
