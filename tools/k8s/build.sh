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
# cache, bindir, pinned_version, require_go, go_build_logged
source "$here/../lib/go-build.sh"

k8s_ver="$(pinned_version "$here/go.mod" k8s.io/kubernetes)"
etcd_ver="$(pinned_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"
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

require_go "kube-apiserver $k8s_ver and etcd $etcd_ver" tools/k8s/build.sh

# build <module dir> <package> <output> <label> [extra ldflags]
build() {
  local dir="$1" pkg="$2" out="$3" label="$4" extra="${5:-}"
  local log; log="$(mktemp "${TMPDIR:-/tmp}/lifeboat-build-XXXXXX.log")"
  build_start=$SECONDS
  echo "lifeboat: building $label (first build: downloads modules and compiles; log: $log)" >&2
  (cd "$dir" && "$go_bin" mod download) >>"$log" 2>&1 || { cat "$log" >&2; echo "build.sh: 'go mod download' failed in $dir" >&2; return 1; }
  go_build_logged "$label" "$dir" "$log" "$out" -ldflags="-s -w $extra" "$pkg"
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
