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
cache="${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}"
bindir="$cache/bin"

ver="$(awk '$1 == "github.com/FerretDB/FerretDB" && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == "github.com/FerretDB/FerretDB" { print $3; exit }' "$here/go.mod")"
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

# $GO picks a specific toolchain; otherwise go on PATH, then the official tarball's location.
go_bin="${GO:-$(command -v go || true)}"
if [[ -z "${GO:-}" && -z "$go_bin" && -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go; fi
if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
  cat >&2 <<EOM
build.sh: the Go toolchain was not found (looked for ${GO:-'go' on PATH and /usr/local/go/bin/go}).
Building ferretdb $ver needs Go 1.26 or newer and the Go module proxy:
install Go (https://go.dev/doc/install), put it on PATH, and run: bash tools/ferretdb/build.sh
EOM
  exit 127
fi

mkdir -p "$bindir"
# Static, path-free binary; GOWORK=off so a go.work above the checkout cannot change the pin.
export CGO_ENABLED=0 GOWORK=off GOFLAGS="-trimpath ${GOFLAGS:-}"

log="$(mktemp "${TMPDIR:-/tmp}/lifeboat-build-XXXXXX.log")"
src="$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-ferretdb-src-XXXXXX")"
trap 'rm -rf "$src"' EXIT
start=$SECONDS
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
(cd "$src" && "$go_bin" build -p 2 -v -ldflags="-s -w" -o "$out.tmp.$$" ./cmd/ferretdb) >>"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 15
  kill -0 "$pid" 2>/dev/null || break
  # go build -v prints one import path per compiled package ("go: ..." lines are downloads).
  echo "lifeboat:   ferretdb: $(grep -cE '^[[:alnum:]._-]+(/[^ :]*)?$' "$log" || true) packages compiled, $((SECONDS - start))s" >&2
done
if ! wait "$pid"; then
  tail -n 40 "$log" >&2
  rm -f "$out.tmp.$$"
  echo "build.sh: building ferretdb $ver failed (full log: $log)" >&2
  exit 1
fi
mv -f "$out.tmp.$$" "$out"
rm -f "$log"
echo "lifeboat: built ferretdb $ver in $((SECONDS - start))s -> $out" >&2
echo "$out"
