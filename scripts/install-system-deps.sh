#!/usr/bin/env bash
# Installs the Debian packages given as arguments, skipping those already present.
# Runs apt-get directly as root, through sudo otherwise; says what to do when neither works.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "安装系统软件包: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "缺少系统软件包 ${missing[*]}，请以 root 身份运行: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when apt has never fetched them (a fresh machine) or an install fails.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then $SUDO apt-get update -q; fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
  || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; }
