#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing, builds, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
[ -x node_modules/.bin/node ] || npm ci
npm run build
npm run typecheck   # src, test, bench and scripts
npm test
