# Sourced by bench/compare/run: makes sure the peers' Debian packages are there, installing what is missing
# (root only). Writes one "engine<TAB>reason" line to $1 for every engine that cannot run.
#   torch -> python3-torch python3-numpy      numpy -> python3-numpy      c -> gcc libopenblas-dev

compare_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

compare_install_peers() {   # $1: skips file, $2: comma-separated engines wanted
  local skips="$1" wanted=",$2," missing=() pkg engine
  declare -A needs=([torch]="python3 python3-numpy python3-torch" [numpy]="python3 python3-numpy"
                    [c]="gcc libopenblas-dev")
  : > "$skips"
  if ! command -v dpkg-query >/dev/null; then
    for engine in torch numpy c; do
      [[ $wanted == *",$engine,"* ]] && printf '%s\tnot a Debian system (no dpkg-query): install %s by hand\n' \
        "$engine" "${needs[$engine]}" >> "$skips"
    done
    return 0
  fi
  for engine in torch numpy c; do
    [[ $wanted == *",$engine,"* ]] || continue
    for pkg in ${needs[$engine]}; do
      compare_installed "$pkg" || [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
    done
  done
  if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
      echo "compare: missing ${missing[*]}, and not root: run 'sudo apt-get install -y ${missing[*]}'" >&2
    else
      echo "compare: installing ${missing[*]} (apt-get) ..." >&2
      apt-get update -q >&2 || echo "compare: apt-get update failed; trying the install anyway" >&2
      if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; then
        for pkg in "${missing[@]}"; do   # one at a time, so one bad package does not sink the others
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2 || echo "compare: could not install $pkg" >&2
        done
      fi
    fi
  fi
  for engine in torch numpy c; do
    [[ $wanted == *",$engine,"* ]] || continue
    for pkg in ${needs[$engine]}; do
      if ! compare_installed "$pkg"; then
        printf '%s\tDebian package %s is not installed and could not be installed (apt-get install -y %s)\n' \
          "$engine" "$pkg" "$pkg" >> "$skips"
        continue 2
      fi
    done
  done
  # installed is not the same as working: the import is the test
  [[ $wanted == *",torch,"* ]] && ! grep -q "^torch	" "$skips" && ! /usr/bin/python3 -c "import torch" 2>/dev/null &&
    printf 'torch\t/usr/bin/python3 cannot import torch (python3-torch is installed but broken)\n' >> "$skips"
  [[ $wanted == *",numpy,"* ]] && ! grep -q "^numpy	" "$skips" && ! /usr/bin/python3 -c "import numpy" 2>/dev/null &&
    printf 'numpy\t/usr/bin/python3 cannot import numpy (python3-numpy is installed but broken)\n' >> "$skips"
  return 0
}
