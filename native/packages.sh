# Sourced by ./gatun and .ci/run: the Debian packages Gatun needs, installed when missing (as root), so that each of
# the README's two commands works on a fresh machine. Not Debian (no dpkg-query): says what it needs and goes on.
# python3-matplotlib: bench/gemm-report's plots and their tests in bench/render (run by ./gatun test and CI).
GATUN_PACKAGES=(libopenblas0-pthread libopenblas-dev libblis4-pthread libblas3 dataset-fashion-mnist python3-matplotlib)

gatun_install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    return 0
  fi
  local missing=() p
  for p in "${GATUN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "gatun: missing Debian packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}'" >&2
    return 1
  fi
  echo "gatun: installing ${missing[*]} (apt-get)" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
}
