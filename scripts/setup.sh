#!/usr/bin/env bash
# Installs what lifeboat's tests and lab need on a fresh machine, idempotently:
#   - Debian packages (redis-server, openssl, postgresql, haproxy, prometheus,
#     prometheus-alertmanager, and wrk, bench/webhook's load generator) when missing and when we are root (otherwise it prints
#     the exact command);
#   - kube-apiserver and etcd (about 5-10 minutes the first time) and FerretDB (about
#     2 minutes) built from Go modules into ~/.cache/lifeboat/bin, instant afterwards.
#
#   bash scripts/setup.sh           # what `npm test` and the lab need
#   bash scripts/setup.sh --core    # only Redis and the member clusters (no lab services)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(redis-server openssl)
if [[ "${1:-}" != "--core" ]]; then
  packages+=(postgresql haproxy prometheus prometheus-alertmanager wrk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts packaged services on install; lifeboat runs its own on free ports.
    for svc in redis-server postgresql haproxy prometheus prometheus-alertmanager; do
      service "$svc" stop >/dev/null 2>&1 || true
    done
  else
    echo "setup: missing packages: ${missing[*]}. Install them with:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

bash tools/k8s/build.sh >/dev/null
if [[ "${1:-}" != "--core" ]]; then
  # FerretDB 1.x for the lab, from Go modules (about 2 minutes the first time, then cached).
  bash tools/ferretdb/build.sh >/dev/null
fi
echo "setup: ready (Debian packages present, kube-apiserver, etcd and FerretDB cached)" >&2
