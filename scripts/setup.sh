#!/usr/bin/env bash
# Installs what lifeboat's tests and lab need on a fresh machine, idempotently:
#   - Debian packages (redis-server, openssl; with --lab also the lab's services),
#     when missing and when we are root (otherwise prints the exact command);
#   - kube-apiserver and etcd built from Go modules into ~/.cache/lifeboat/bin
#     (about 5-10 minutes the first time, instant afterwards).
#
#   bash scripts/setup.sh          # what `npm test` needs
#   bash scripts/setup.sh --lab    # plus PostgreSQL, HAProxy, Prometheus, Alertmanager
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(redis-server openssl)
if [[ "${1:-}" == "--lab" ]]; then
  packages+=(postgresql haproxy prometheus prometheus-alertmanager)
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
echo "setup: ready (Debian packages present, kube-apiserver and etcd cached)" >&2
