#!/usr/bin/env bash
# Runs the test suites one after another (called by test-all.sh, inside scripts/netns.sh) and
# sums their mocha counts. Usage: run-suites.sh [unit] [integration] [vscode] [ui]  (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
export SOFTPHONE_RUN_DIR="${SOFTPHONE_RUN_DIR:-$PWD/.run}"
mkdir -p "$SOFTPHONE_RUN_DIR"
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit integration vscode ui)
total_pass=0 total_fail=0
summary=()
for s in "${suites[@]}"; do
  log="$SOFTPHONE_RUN_DIR/suite-$s.log"
  echo "=== $s tests"
  case "$s" in
    unit)        cmd=(npx mocha --config test/unit/.mocharc.json) ;;
    integration) cmd=(npx mocha --config test/integration/.mocharc.json) ;;
    vscode)      cmd=(node test/vscode/runTest.js) ;;
    ui)          cmd=(npx mocha --config test/e2e/.mocharc.json) ;;
    *) echo "unknown suite $s"; exit 2 ;;
  esac
  # Colour codes are stripped from the saved log so the counts below parse whatever the terminal.
  "${cmd[@]}" 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' > "$log")
  rc=${PIPESTATUS[0]}
  sleep 0.2   # let the log writer finish
  # mocha's spec reporter closes with "N passing" / "N failing".
  p=$(grep -aE '^\s*[0-9]+ passing' "$log" | tail -1 | grep -oE '[0-9]+' | head -1)
  f=$(grep -aE '^\s*[0-9]+ failing' "$log" | tail -1 | grep -oE '[0-9]+' | head -1)
  p=${p:-0} f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed before reporting
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi    # ran no test: that is a failure
  summary+=("$s: $p passed, $f failed")
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
