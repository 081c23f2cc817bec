#!/usr/bin/env bash
# Installs what shardscope needs and is missing: Debian packages with apt, Python test packages with pip.
# Idempotent and quiet when everything is present. Usage: install-deps.sh [build|test|screenshots]...
set -euo pipefail
cd "$(dirname "$0")/.."

apt_build=(libmongoc-dev libbson-dev libncursesw5-dev pkg-config zlib1g-dev)
apt_test=(tmux procps)
apt_screens=(tmux fonts-dejavu-core)

want_apt=("${apt_build[@]}")
want_pip=()
for what in "$@"; do
  case "$what" in
    build) ;;
    test) want_apt+=("${apt_test[@]}"); want_pip+=(scripts/requirements-test.txt) ;;
    screenshots) want_apt+=("${apt_screens[@]}"); want_pip+=(scripts/requirements-screenshots.txt) ;;
    *) echo "install-deps: unknown group '$what' (build, test, screenshots)" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${want_apt[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "install-deps: missing Debian packages: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for req in "${want_pip[@]}"; do
  [ -f "$req" ] || continue
  # pip only downloads what is not already satisfied.
  if ! python3 -m pip install -q --disable-pip-version-check -r "$req" 2>/tmp/shardscope-pip.err; then
    if grep -q externally-managed /tmp/shardscope-pip.err; then
      python3 -m pip install -q --disable-pip-version-check --break-system-packages -r "$req"
    else
      cat /tmp/shardscope-pip.err >&2; exit 1
    fi
  fi
done
