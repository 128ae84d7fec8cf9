#!/usr/bin/env bash
# Runs a command in a private network namespace with only a loopback interface (when we are
# root and unshare exists): every packet of the tests stays on that private 127.0.0.1, the fixed
# PBX ports cannot clash with a demo or another run, and nothing can leave the machine.
# Without root it runs the command as is (then the PBX ports must be free).
set -euo pipefail
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -z "${SOFTPHONE_IN_NETNS:-}" ] && unshare -n true 2>/dev/null; then
  # Besides lo, a veth pair "jxa"/"jxb" with 127.0.0.2: Janus (libnice) gathers no ICE
  # candidates on a loopback interface, so the bench holds it to jxa (scripts/pbx/up.sh).
  exec unshare -n env SOFTPHONE_IN_NETNS=1 bash -c 'ip link set lo up && ip link add jxa type veth peer name jxb && ip addr add 127.0.0.2/32 dev jxa && ip link set jxb up && ip link set jxa up && exec "$@"' netns "$@"
fi
exec "$@"
