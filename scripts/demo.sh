#!/usr/bin/env bash
# `npm run demo`: a working phone on this machine. Installs what is missing, starts the local PBX
# (Kamailio + rtpengine + baresip answering as "phone" with a tone + sipp busy/503 peers), then
# real VS Code (code-server) with the extension and the demo accounts alice and bob, and prints
# where to open it. Ctrl-C stops everything (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${SOFTPHONE_DEMO_DIR:-$PWD/.run/demo}"
mkdir -p "$RUN"
bash scripts/setup.sh
npm run --silent package
bash scripts/pbx/up.sh "$RUN/pbx"
cleanup() { bash scripts/pbx/down.sh "$RUN/pbx" >/dev/null 2>&1 || true; }
trap cleanup EXIT
node scripts/demo-vscode.js "$RUN"
