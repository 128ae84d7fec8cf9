#!/usr/bin/env bash
# Installs everything the demo and the tests need, from scratch on a fresh Debian machine and
# in about a second when it is all there already: Debian packages for the local PBX and
# Chromium, the project's npm dependencies, and real VS Code (code-server on Node 24, cached
# under ${SOFTPHONE_CACHE:-~/.cache/softphone-dev}). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/clean-npm-env.sh
bash scripts/pbx/install.sh
if [ ! -d node_modules/sip.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Not the outer `npm test`'s configuration (e.g. its --silent or --omit): a plain install.
  clean_npm_env npm ci --no-audit --no-fund
fi
bash scripts/vscode/setup.sh
