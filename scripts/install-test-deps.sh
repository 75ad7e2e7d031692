#!/usr/bin/env bash
# Installs the system packages and peer tools the tests use, only when missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v zstd >/dev/null 2>&1 || need_apt+=(zstd)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need_apt+=(debootstrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${need_apt[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "not root: cannot install ${need_apt[*]}; tests needing them will skip with a reason" >&2
  fi
fi

bash scripts/install-kms-emulators.sh   # SoftHSM2 + opensc, moto (AWS KMS) in a Debian unstable root
if [ -f scripts/install-peers.sh ]; then
  bash scripts/install-peers.sh
fi
if [ -f scripts/install-sid-peers.sh ]; then
  bash scripts/install-sid-peers.sh
fi
