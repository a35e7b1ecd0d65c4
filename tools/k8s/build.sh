#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd that lifeboat's lab member clusters run
# (ADR 0003), from the versions pinned in tools/k8s/go.mod and tools/k8s/etcd/go.mod.
#
#   bash tools/k8s/build.sh          # build what is missing, print the binary paths
#   bash tools/k8s/build.sh --print  # print the binary paths only, build nothing
#
# Binaries go to ${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}/bin/<name>-<version>, outside
# the repo, and are reused: a second run is instant. The first build downloads ~130 MB of
# modules and compiles ~2,000 packages: about 9 minutes on 2 cores (docs/lab-clusters.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}"
bindir="$cache/bin"

# Versions come from the go.mod files that pin them (inside a require block or on one line).
k8s_ver="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == "k8s.io/kubernetes" { print $3; exit }' "$here/go.mod")"
etcd_ver="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == "go.etcd.io/etcd/server/v3" { print $3; exit }' "$here/etcd/go.mod")"
if [[ -z "$k8s_ver" || -z "$etcd_ver" ]]; then
  echo "build.sh: cannot read the pinned versions from $here/go.mod and $here/etcd/go.mod" >&2
  exit 1
fi

apiserver="$bindir/kube-apiserver-$k8s_ver"
etcd="$bindir/etcd-$etcd_ver"

if [[ "${1:-}" == "--print" ]]; then
  echo "$apiserver"
  echo "$etcd"
  exit 0
fi

if [[ -x "$apiserver" && -x "$etcd" ]]; then
  echo "lifeboat: cached kube-apiserver $k8s_ver and etcd $etcd_ver in $bindir" >&2
  echo "$apiserver"
  echo "$etcd"
  exit 0
fi

# $GO picks a specific toolchain; otherwise go on PATH, then the official tarball's location.
go_bin="${GO:-$(command -v go || true)}"
if [[ -z "${GO:-}" && -z "$go_bin" && -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go; fi
if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
  cat >&2 <<EOF
build.sh: the Go toolchain was not found (looked for ${GO:-'go' on PATH and /usr/local/go/bin/go}).
Building kube-apiserver $k8s_ver and etcd $etcd_ver needs Go 1.26 or newer and the Go module proxy:
install Go (https://go.dev/doc/install), put it on PATH, and run: bash tools/k8s/build.sh
EOF
  exit 127
fi

mkdir -p "$bindir"
# Static, path-free binaries; GOWORK=off so a go.work above the checkout cannot change the pins.
export CGO_ENABLED=0 GOWORK=off GOFLAGS="-trimpath ${GOFLAGS:-}"

# build <module dir> <package> <output> <label> [extra ldflags]
# Compiles with -v into a log and prints a heartbeat, so a long build shows progress.
build() {
  local dir="$1" pkg="$2" out="$3" label="$4" extra="${5:-}"
  local log; log="$(mktemp "${TMPDIR:-/tmp}/lifeboat-build-XXXXXX.log")"
  local start=$SECONDS
  echo "lifeboat: building $label (first build: downloads modules and compiles; log: $log)" >&2
  (cd "$dir" && "$go_bin" mod download) >>"$log" 2>&1 || { cat "$log" >&2; echo "build.sh: 'go mod download' failed in $dir" >&2; return 1; }
  (cd "$dir" && "$go_bin" build -v -ldflags="-s -w $extra" -o "$out.tmp.$$" "$pkg") >>"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null || break
    # go build -v prints one import path per compiled package ("go: ..." lines are downloads).
    echo "lifeboat:   $label: $(grep -cE '^[[:alnum:]._-]+(/[^ :]*)?$' "$log" || true) packages compiled, $((SECONDS - start))s" >&2
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" >&2
    rm -f "$out.tmp.$$"
    echo "build.sh: building $label failed (full log: $log)" >&2
    return 1
  fi
  mv -f "$out.tmp.$$" "$out"
  rm -f "$log"
  echo "lifeboat: built $label in $((SECONDS - start))s -> $out" >&2
}

total_start=$SECONDS
if [[ ! -x "$etcd" ]]; then
  build "$here/etcd" go.etcd.io/etcd/server/v3 "$etcd" "etcd $etcd_ver"
fi
if [[ ! -x "$apiserver" ]]; then
  minor="${k8s_ver#v1.}"; minor="${minor%%.*}"
  # Without these the binary reports v0.0.0-master in /version.
  build "$here" k8s.io/kubernetes/cmd/kube-apiserver "$apiserver" "kube-apiserver $k8s_ver" \
    "-X k8s.io/component-base/version.gitVersion=$k8s_ver -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
fi
echo "lifeboat: binaries ready in $((SECONDS - total_start))s" >&2
echo "$apiserver"
echo "$etcd"
