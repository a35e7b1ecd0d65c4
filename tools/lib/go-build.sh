# Shared by tools/k8s/build.sh and tools/ferretdb/build.sh (sourced, not run): where
# the cached binaries live, reading a pinned version from go.mod, finding Go, and a
# `go build` that shows progress. Each script keeps what differs: its modules, its
# packages and its own messages.

# Binaries go to ${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}/bin/<name>-<version>; the lab
# looks for them there (src/lab/clusters/binaries.ts, src/lab/ferretdb/binary.ts).
cache="${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}"
bindir="$cache/bin"

# pinned_version <go.mod> <module>: the version <go.mod> requires of <module>, inside a
# require block or on one line; empty when it is not there.
pinned_version() {
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

# require_go <what needs it> <script to run again>: sets go_bin, or exits 127 saying how
# to get Go. $GO picks a specific toolchain; otherwise go on PATH, then the official
# tarball's location.
require_go() {
  go_bin="${GO:-$(command -v go || true)}"
  if [[ -z "${GO:-}" && -z "$go_bin" && -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go; fi
  if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
    cat >&2 <<EOM
build.sh: the Go toolchain was not found (looked for ${GO:-'go' on PATH and /usr/local/go/bin/go}).
Building $1 needs Go 1.26 or newer and the Go module proxy:
install Go (https://go.dev/doc/install), put it on PATH, and run: bash $2
EOM
    exit 127
  fi
  mkdir -p "$bindir"
  # Static, path-free binaries; GOWORK=off so a go.work above the checkout cannot change the pins.
  export CGO_ENABLED=0 GOWORK=off GOFLAGS="-trimpath ${GOFLAGS:-}"
}

# go_build_logged <label> <dir> <log> <out> <go build arguments...>: runs
# `go build -v -o <out>.tmp.<pid> <arguments>` in <dir>, logging to <log> and printing a
# heartbeat every 15 s (a first build takes minutes), then moves the binary to <out> in
# one step, so a half-written binary is never found. On failure it prints the log's tail
# and returns 1. The time it reports counts from $build_start when the caller set it
# (before downloading modules).
go_build_logged() {
  local label="$1" dir="$2" log="$3" out="$4"
  shift 4
  local start=${build_start:-$SECONDS}
  (cd "$dir" && "$go_bin" build -v -o "$out.tmp.$$" "$@") >>"$log" 2>&1 &
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
