#!/usr/bin/env bash
# Bench-only installs (the tests do not need these): GNU time for peak RSS, plus what the tests install
# (docker-registry, the Debian 13 peers). Idempotent; without root it prints what is missing and carries on.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    echo "bench/setup: not root: /usr/bin/time missing, peak RSS will not be reported" >&2
  fi
fi
bash scripts/install-test-deps.sh
[ -x node_modules/.bin/node ] || npm ci
npm run build
