#!/usr/bin/env bash
# Installs the Debian packages given as arguments, skipping those already present.
# Runs apt-get directly as root, through sudo otherwise; says what to do when neither works.
#
#   scripts/install-system-deps.sh [--fandol-fonts] PACKAGE...
#
# --fandol-fonts: the FandolFang (仿宋) and FandolKai (楷体) faces official letters are printed in
# (common/documents.py). Debian ships them only inside texlive-lang-chinese, which would pull in TeX: the
# package is downloaded, unpacked in a temporary folder, and only its Fandol*.otf files are copied to
# /usr/local/share/fonts/fandol (~/.local/share/fonts/fandol without root or sudo). Skipped when fontconfig
# already knows FandolFang, so a second run downloads nothing.
set -euo pipefail

fandol=0
if [ "${1:-}" = "--fandol-fonts" ]; then fandol=1; shift; fi

# SUDO: "" as root, "sudo" otherwise; ROOT_OK=0 without either (fonts then go to $HOME).
ROOT_OK=1
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  SUDO=""; ROOT_OK=0; fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when apt has never fetched them (a fresh machine; bookworm stores them
# compressed, e.g. *_Packages.lz4) or an install fails.
apt_lists_present() { ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; }

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "安装系统软件包: ${missing[*]}"
  if [ "$ROOT_OK" -eq 0 ]; then
    echo "缺少系统软件包 ${missing[*]}，请以 root 身份运行: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  apt_lists_present || $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi

[ "$fandol" -eq 1 ] || exit 0
if fc-list : family | grep -q "FandolFang"; then exit 0; fi
if [ "$ROOT_OK" -eq 1 ]; then FONT_DIR="/usr/local/share/fonts/fandol"; else
  FONT_DIR="$HOME/.local/share/fonts/fandol"; fi
echo "安装 Fandol 字体（仿宋 FandolFang、楷体 FandolKai 等，取自 texlive-lang-chinese）到 $FONT_DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# As root apt downloads as its _apt user: let it write here (otherwise a harmless "unsandboxed" warning).
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
download() { (cd "$work" && apt-get download -q texlive-lang-chinese); }
download || { [ "$ROOT_OK" -eq 1 ] && $SUDO apt-get update -q && download; }
dpkg-deb -x "$work"/texlive-lang-chinese_*.deb "$work/x"
fonts=("$work"/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol*.otf)
[ -e "${fonts[0]}" ] || { echo "texlive-lang-chinese 中未找到 Fandol 字体文件" >&2; exit 1; }
$SUDO mkdir -p "$FONT_DIR"
$SUDO install -m 644 "${fonts[@]}" "$FONT_DIR/"
$SUDO fc-cache -f "$FONT_DIR" >/dev/null
fc-list : family | grep -q "FandolFang" || { echo "字体已复制但 fontconfig 未识别 FandolFang" >&2; exit 1; }
