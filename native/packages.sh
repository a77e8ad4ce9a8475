# Sourced by ./gatun and .ci/run: the Debian packages Gatun needs, installed when missing (as root), so that each of
# the README's two commands works on a fresh machine. Not Debian (no dpkg-query): goes on, unless Maven is missing,
# which it names (a missing OpenBLAS or data set is named by the command that needs it).
# python3-matplotlib: bench/gemm-report's plots and their tests in bench/render (run by ./gatun test and CI).
GATUN_PACKAGES=(libopenblas0-pthread libopenblas-dev libblis4-pthread libblas3 dataset-fashion-mnist python3-matplotlib)

gatun_install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    if ! command -v mvn >/dev/null 2>&1; then
      echo "gatun: Maven (mvn) is not on the PATH, and this is not a Debian system this script can install it on:" \
        "install Maven 3.8 or later, and OpenBLAS (a libopenblas with cblas_sgemm), with your package manager" >&2
      return 1
    fi
    return 0
  fi
  # Once every package is there, a stamp newer than dpkg's status file (which every install or removal rewrites)
  # stands for the check: the query cost 80 ms of every command.
  local stamp="${GATUN_HOME:-.}/target/.gatun-packages"
  if [ -f "$stamp" ] && [ "$stamp" -nt /var/lib/dpkg/status ] && command -v mvn >/dev/null 2>&1; then
    return 0
  fi
  local missing=() p
  # One dpkg-query for all of them: one per package cost 0.15 s of every command.
  local installed
  installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${GATUN_PACKAGES[@]}" 2>/dev/null |
    sed -n 's/^\([^ ]*\) install ok installed$/\1/p')" || true
  for p in "${GATUN_PACKAGES[@]}"; do
    case $'\n'"$installed"$'\n' in   # a pattern, not printf | grep -q, whose early exit can fail the pipe
      *$'\n'"$p"$'\n'*) ;;
      *) missing+=("$p") ;;
    esac
  done
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ "${#missing[@]}" -eq 0 ]; then
    mkdir -p "$(dirname "$stamp")" 2>/dev/null && touch "$stamp" 2>/dev/null
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "gatun: missing Debian packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}'" >&2
    return 1
  fi
  echo "gatun: installing ${missing[*]} (apt-get)" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
}
