#!/usr/bin/env bash
# The one test command (README): installs missing server binaries, builds (cross-process tests run dist/),
# then runs every package's tests. Servers are started by the tests themselves on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-services.sh
[ -d node_modules ] || npm ci
npm run build --silent
npx vitest run "$@"
