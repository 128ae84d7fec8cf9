#!/usr/bin/env bash
# `npm test`: the whole suite — unit (plain Node), integration (real Kamailio, rtpengine,
# baresip, sipp + the call window in headless Chromium), VS Code (the extension inside real
# VS Code = code-server) and UI end to end (Playwright driving code-server's workbench).
# Installs what it needs first (a first run on a new machine: about 5 minutes of that).
# Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export SOFTPHONE_RUN_DIR="${SOFTPHONE_RUN_DIR:-$PWD/.run}"
mkdir -p "$SOFTPHONE_RUN_DIR"
t0=$(date +%s)
phase() { echo "npm test: $1 took $(( $(date +%s) - $2 )) s"; }
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
phase "install (setup.sh)" "$t0"
t=$(date +%s)
node scripts/build.mjs --tests || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
npm run --silent typecheck || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
phase "build + typecheck" "$t"
t=$(date +%s)
bash scripts/netns.sh bash scripts/run-suites.sh "$@"
rc=$?
echo "npm test: suites took $(( $(date +%s) - t )) s, $(( $(date +%s) - t0 )) s in all"
exit $rc
