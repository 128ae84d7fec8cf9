#!/usr/bin/env bash
# Start or stop only Janus (the rooms server) of a bench brought up by up.sh (configs rendered there).
#   janus.sh start RUN_DIR   start Janus and wait for its WebSocket API on 127.0.0.1:8188
#   janus.sh stop RUN_DIR    TERM by pid, KILL after 5 s (see down.sh)
# libnice never gathers ICE candidates on a loopback interface: in the tests' network namespace
# scripts/netns.sh adds a veth "jxa" (127.0.0.2) and Janus is held to it; elsewhere (the demo)
# it uses the host's interfaces. Tests use stop/start to check that a room survives a restart.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 2 ] || { echo "usage: $0 start|stop RUN_DIR" >&2; exit 2; }
ACTION=$1
[ -d "$2" ] || { echo "pbx janus: no such RUN_DIR: $2" >&2; exit 1; }
RUN_DIR=$(cd "$2" && pwd)
RUN=$RUN_DIR/run LOGS=$RUN_DIR/logs CONF=$RUN_DIR/conf

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
alive() {
  local pid st
  pid=$(cat "$RUN/janus.pid" 2>/dev/null) || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ]
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1"; }
fail() {
  echo "pbx janus: $1" >&2
  echo "--- tail of $LOGS/janus.log" >&2
  tail -n 40 "$LOGS/janus.log" >&2 2>/dev/null || true
  exit 1
}

case "$ACTION" in
  stop) exec "$HERE/down.sh" "$RUN_DIR" janus ;;
  start) ;;
  *) echo "usage: $0 start|stop RUN_DIR" >&2; exit 2 ;;
esac

t=$(now_ms)
listening 8188 && fail "port 8188 is in use (another Janus?)"
ARGS=()
[ -e /sys/class/net/jxa ] && ARGS+=(--ice-enforce-list=jxa)
: >"$LOGS/janus.log"
# Room recordings land in Janus's working directory (rooms are created without a rec_dir):
# RUN_DIR/janus-rec, where the tests look for them.
mkdir -p "$RUN_DIR/janus-rec"
cd "$RUN_DIR/janus-rec"
janus -F "$CONF/janus" -C "$CONF/janus/janus.jcfg" -N -L "$LOGS/janus.log" "${ARGS[@]}" </dev/null >/dev/null 2>&1 &
echo $! >"$RUN/janus.pid"
for _ in $(seq 1 200); do
  alive || fail "janus exited during start-up"
  if listening 8188 && grep -q "Websockets server started" "$LOGS/janus.log" 2>/dev/null; then
    echo "janus up (pid $(cat "$RUN/janus.pid")) after $(( $(now_ms) - t )) ms"
    exit 0
  fi
  sleep 0.05
done
fail "janus did not listen on ws://127.0.0.1:8188 within 10 s"
