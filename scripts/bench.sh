#!/usr/bin/env bash
# `npm run bench`: installs what is missing, builds (production bundles + the .vsix, so sizes are
# what users get), then measures inside a private network namespace (see test/bench/bench.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export SOFTPHONE_RUN_DIR="${SOFTPHONE_RUN_DIR:-$PWD/.run}"
bash scripts/setup.sh
npm run --silent package >/dev/null
node scripts/build.mjs --tests >/dev/null
bash scripts/netns.sh node out/test/bench/bench.js
