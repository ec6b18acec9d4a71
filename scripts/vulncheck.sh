#!/usr/bin/env bash
# make vulncheck: fails when the code reaches a known vulnerability, offline.
#
# The vulnerability database is built from the golang.org/x/vulndb module
# pinned in tools/vulndb/go.mod (its data/osv folder, indexed by its own
# cmd/indexdb), once per pinned version, into a cache outside the tree:
#   ${KYNANGSO_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kynangso}/vulndb-VERSION
# govulncheck (pinned by the tool directive in go.mod) scans ./... against
# it, and scripts/vulngate judges the result against the reviewed
# exclusions in docs/vulncheck-exclusions.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}

version=$(cd tools/vulndb && go list -m -f '{{.Version}}' golang.org/x/vulndb)
cache=${KYNANGSO_VULNDB_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or KYNANGSO_VULNDB_CACHE}/.cache}/kynangso}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P) # govulncheck wants an absolute file:// URL
db=$cache/vulndb-$version

work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A finished database is moved into place whole, so one that exists is
# complete (an interrupted build leaves only its work folder, removed above).
if [ ! -f "$db/index/db.json" ]; then
  echo "vulncheck: building the database from golang.org/x/vulndb@$version into $db (once per version)"
  (
    cd tools/vulndb
    go mod download golang.org/x/vulndb
    src=$(go list -m -f '{{.Dir}}' golang.org/x/vulndb)
    go tool indexdb -vulns "$src/data/osv" -out "$work/db"
  )
  # Another run may have finished first; its database is as good as ours.
  if ! mv -T "$work/db" "$db" 2>/dev/null && [ ! -f "$db/index/db.json" ]; then
    echo "vulncheck: $db is not a complete database; remove it and run again" >&2
    exit 2
  fi
fi

echo "vulncheck: govulncheck ./... against golang.org/x/vulndb@$version"
go tool govulncheck -db "file://$db" -json ./... >"$work/scan.json"
go run ./scripts/vulngate -exclusions docs/vulncheck-exclusions.toml <"$work/scan.json"
