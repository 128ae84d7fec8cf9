#!/usr/bin/env bash
# Stop the PBX bench of RUN_DIR by PID (never by process name): TERM, wait up to 5 s, then KILL.
#   down.sh RUN_DIR              stop everything: baresip + sipp x6 + janus first, then kamailio + rtpengine
#   down.sh RUN_DIR NAME...      stop only these parts (names as in RUN_DIR/run/NAME.pid)
# A pid is only signalled if /proc/PID/comm still names the expected program, so a stale pid
# file can never hit an unrelated process. Logs, recordings and configs stay in RUN_DIR.
set -uo pipefail

[ $# -ge 1 ] || { echo "usage: $0 RUN_DIR [NAME...]" >&2; exit 2; }
RUN=$1/run
shift
[ -d "$RUN" ] || exit 0

comm_of() { case "$1" in sipp-*) echo sipp ;; *) echo "$1" ;; esac; }
# pid from NAME.pid if that process is alive and is the expected program
live_pid() {
  local f=$RUN/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) && [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$(comm_of "$1")" ] || return 1
  echo "$pid"
}
# alive and not a zombie (an unreaped zombie still answers kill -0)
running() {
  local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ]
}
wait_gone() { # PID TENTHS_OF_A_SECOND
  local i; for ((i = 0; i < $2; i++)); do running "$1" || return 0; sleep 0.1; done
  ! running "$1"
}

rc=0
stop_group() { # NAME... : TERM all, wait up to 5 s each, KILL the rest (and their workers)
  local -A pids kids
  local n pid k
  for n in "$@"; do
    pid=$(live_pid "$n") || { rm -f "$RUN/$n.pid"; continue; }
    pids[$n]=$pid
    kids[$n]=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' | tr '\n' ' ')   # kamailio's workers
    kill -TERM "$pid" 2>/dev/null
  done
  for n in "${!pids[@]}"; do
    pid=${pids[$n]}
    # baresip answers the first TERM by unregistering and waits for the registrar's reply (long,
    # if Kamailio is already gone); a second TERM makes it exit at once.
    if [ "$n" = baresip ] && ! wait_gone "$pid" 10; then kill -TERM "$pid" 2>/dev/null; fi
    if ! wait_gone "$pid" 50; then
      echo "pbx down: $n (pid $pid) ignored TERM for 5 s, sending KILL" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    for k in ${kids[$n]}; do
      # a worker that outlived its main process (e.g. after KILL); same comm check as above
      [ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$(comm_of "$n")" ] && kill -KILL "$k" 2>/dev/null
    done
    if wait_gone "$pid" 20; then
      echo "stopped $n (pid $pid)"
      rm -f "$RUN/$n.pid"
    else
      echo "pbx down: $n (pid $pid) still alive" >&2
      rc=1
    fi
  done
}

if [ $# -gt 0 ]; then
  stop_group "$@"
else
  stop_group baresip sipp-answer sipp-busy sipp-503 sipp-early sipp-refer403 sipp-refer501 janus
  stop_group kamailio rtpengine
fi
exit $rc
