#!/usr/bin/env bash
# Run by `make test` first: installs what the tests need beyond Go and a C
# compiler when it is missing, so that a fresh Debian machine needs no manual
# step. The browser tests (internal/e2e) drive Debian's chromium and render
# text with fonts-dejavu-core; npm installs axe-core (the Makefile runs
# `npm ci`). As root or with passwordless sudo this runs apt-get and says so;
# otherwise it stops with the exact command to run. No browser is ever
# downloaded from anywhere but Debian. `make test-short` needs none of this.
set -euo pipefail

chromium=${KYNANGSO_CHROMIUM:-/usr/bin/chromium}
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

missing() {
  local m=()
  [ -x "$chromium" ] || m+=(chromium)
  [ -f "$font" ] || m+=(fonts-dejavu-core)
  command -v npm >/dev/null 2>&1 || m+=(npm)
  echo "${m[@]}"
}

if [ -n "${KYNANGSO_CHROMIUM:-}" ] && [ ! -x "$chromium" ]; then
  echo "make test: KYNANGSO_CHROMIUM=$chromium is not an executable file." >&2
  echo "  Point it at a Chromium, or unset it to use Debian's (/usr/bin/chromium, installed here when missing)." >&2
  exit 1
fi

read -r -a need <<<"$(missing)"
[ "${#need[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "make test: the tests need what is not installed here: ${need[*]}." >&2
  echo "This user cannot install it (not root, no passwordless sudo). Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  echo "then make test again. (make test-short skips the browser tests and needs none of this.)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "make test: the tests need ${need[*]} (Debian package names) and this machine has no apt-get:" >&2
  echo "  install the same with your package manager, or set KYNANGSO_CHROMIUM to a Chromium binary." >&2
  exit 1
fi

echo "make test: installing Debian packages ${need[*]} with apt-get${as_root:+ (through sudo)}: the browser tests need them."
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

read -r -a still <<<"$(missing)"
if [ "${#still[@]}" -gt 0 ]; then
  echo "make test: still missing after apt-get install: ${still[*]} (chromium at $chromium, font at $font, npm on PATH)" >&2
  exit 1
fi
echo "make test: installed ${need[*]}."
