#!/usr/bin/env bash
# Repository hygiene, run by `make lint` (and so by `make test` and CI):
# no tracked file over 1 MB and no tracked compiled binary. Build outputs,
# test binaries (`go test -c` writes *.test) and databases belong in
# .gitignore, not in history.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((1024 * 1024))
bad=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue # deleted in the work tree, not yet committed
  size=$(stat -c %s -- "$f")
  if [ "$size" -gt "$limit" ]; then
    echo "check-tree: $f is $size bytes; tracked files must stay under 1 MB" >&2
    bad=1
  fi
  # Executable formats by their magic bytes: ELF, Mach-O (both byte orders,
  # 32/64-bit and fat), PE ("MZ"), WebAssembly.
  magic=$(head -c 4 -- "$f" | od -An -tx1 | tr -d ' \n')
  case "$magic" in
  7f454c46 | feedface | feedfacf | cefaedfe | cffaedfe | cafebabe | 0061736d | 4d5a*)
    echo "check-tree: $f is a compiled binary ($magic); build outputs do not belong in git" >&2
    bad=1
    ;;
  esac
done < <(git ls-files -z)
exit "$bad"
