#!/usr/bin/env bash
# Runs a command in a private network namespace with only a loopback interface (when we are
# root and unshare exists): every packet of the tests stays on that private 127.0.0.1, the fixed
# PBX ports cannot clash with a demo or another run, and nothing can leave the machine.
# Without root it runs the command as is (then the PBX ports must be free).
set -euo pipefail
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -z "${SOFTPHONE_IN_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  exec unshare -n env SOFTPHONE_IN_NETNS=1 bash -c 'ip link set lo up && exec "$@"' netns "$@"
fi
exec "$@"
