#!/usr/bin/env bash
# Builds FerretDB 1.x for lifeboat's DR lab from the version pinned in tools/ferretdb/go.mod
# (FerretDB 1.x has a plain PostgreSQL backend; docs/lab.md).
#
#   bash tools/ferretdb/build.sh          # build if missing, print the binary path
#   bash tools/ferretdb/build.sh --print  # print the binary path only, build nothing
#
# The binary goes to ${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}/bin/ferretdb-<version>,
# outside the repo, and is reused: a second run is instant.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# cache, bindir, pinned_version, require_go, go_build_logged
source "$here/../lib/go-build.sh"

ver="$(pinned_version "$here/go.mod" github.com/FerretDB/FerretDB)"
if [[ -z "$ver" ]]; then
  echo "build.sh: cannot read the pinned FerretDB version from $here/go.mod" >&2
  exit 1
fi
out="$bindir/ferretdb-$ver"

if [[ "${1:-}" == "--print" ]]; then
  echo "$out"
  exit 0
fi

if [[ -x "$out" ]]; then
  echo "lifeboat: cached ferretdb $ver in $bindir" >&2
  echo "$out"
  exit 0
fi

require_go "ferretdb $ver" tools/ferretdb/build.sh

log="$(mktemp "${TMPDIR:-/tmp}/lifeboat-build-XXXXXX.log")"
src="$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-ferretdb-src-XXXXXX")"
trap 'rm -rf "$src"' EXIT
build_start=$SECONDS
echo "lifeboat: building ferretdb $ver (first build: downloads modules and compiles; log: $log)" >&2
# The module zip comes through the Go module proxy, checked against tools/ferretdb/go.sum.
(cd "$here" && "$go_bin" mod download github.com/FerretDB/FerretDB) >>"$log" 2>&1 || { cat "$log" >&2; echo "build.sh: 'go mod download' failed in $here" >&2; exit 1; }
moddir="$(cd "$here" && "$go_bin" list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)"
# FerretDB's main package refuses to start without build/version/version.txt, which its own
# build generates from git; the module zip has no git. So build a writable copy of the
# module (the module cache is read-only and -overlay may not replace files in it) with
# that one file added, as FerretDB's docs suggest. Its own go.mod/go.sum pin the deps.
cp -R "$moddir/." "$src/"
chmod -R u+w "$src"
echo "$ver" >"$src/build/version/version.txt"
echo "lifeboat" >"$src/build/version/package.txt"
# -p 2: the project machine has two cores shared with other work.
go_build_logged "ferretdb $ver" "$src" "$log" "$out" -p 2 -ldflags="-s -w" ./cmd/ferretdb
echo "$out"
