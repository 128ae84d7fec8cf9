#!/usr/bin/env bash
# Start or stop only Kamailio of a bench brought up by up.sh (uses the configs rendered there).
#   kamailio.sh start RUN_DIR [--keep-baresip-calls]
#                               start Kamailio, wait for SIP OPTIONS + ws/wss listeners, and make
#                               baresip (if running) register again: Kamailio keeps registrations
#                               in memory only, so a restart forgets every binding (the
#                               re-created user agent ends any call baresip was in; with
#                               --keep-baresip-calls baresip is left alone, unregistered until
#                               its own refresh, and its calls go on).
#   kamailio.sh stop RUN_DIR    TERM by pid, KILL after 5 s (see down.sh)
# Tests use stop/start to check that clients re-register after a registrar restart.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: $0 start|stop RUN_DIR [--keep-baresip-calls]" >&2; exit 2; }
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$3" = --keep-baresip-calls ]; } || usage
KEEP_BARESIP_CALLS=${3:+1}
ACTION=$1
[ -d "$2" ] || { echo "pbx kamailio: no such RUN_DIR: $2" >&2; exit 1; }
RUN_DIR=$(cd "$2" && pwd)
RUN=$RUN_DIR/run LOGS=$RUN_DIR/logs CONF=$RUN_DIR/conf
KAMLOG=$LOGS/kamailio.log
CTL=unix:$RUN/kamailio_ctl

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
alive() { # NAME: pid file present, process alive, not a zombie
  local pid st
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ]
}
fail() {
  echo "pbx kamailio: $1" >&2
  echo "--- tail of $KAMLOG" >&2
  tail -n 40 "$KAMLOG" >&2 2>/dev/null || true
  exit 1
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1"; }

# Send SIP OPTIONS over UDP to 127.0.0.1:5060 every 50 ms until any response (prints its status
# line, exit 0), until TIMEOUT_MS (exit 1) or until process PID is gone (exit 2).
sip_probe() { # PID TIMEOUT_MS
  node -e '
    const [pid, ms] = process.argv.slice(1).map(Number), deadline = Date.now() + ms;
    const d = require("dgram").createSocket("udp4");
    d.on("message", (m) => { console.log(m.toString().split("\r\n")[0]); process.exit(0); });
    d.on("error", () => {});
    d.bind(0, "127.0.0.1", () => {
      const lp = d.address().port;
      const send = () => {
        try { process.kill(pid, 0); } catch { process.exit(2); }
        if (Date.now() > deadline) process.exit(1);
        const b = "z9hG4bK" + Date.now() + Math.random().toString(36).slice(2, 8);
        d.send(`OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=${b};rport\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=${b}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${b}\r\n` +
          `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, 5060, "127.0.0.1");
        setTimeout(send, 50);
      };
      send();
    });' "$1" "$2"
}

# Is AOR $1 registered in Kamailio's usrloc? (kamcmd exits 0 even for "AOR not found")
registered() { kamcmd -s "$CTL" ul.lookup location "$1" 2>&1 | grep -q "AoR: $1\$"; }

# ctrl_tcp command to baresip (netstring JSON); prints the raw response.
baresip_cmd() {
  node -e '
    const [command, params] = process.argv.slice(1);
    const body = JSON.stringify({ command, params, token: "k" + Date.now() });
    const s = require("net").connect(4444, "127.0.0.1", () => s.write(`${Buffer.byteLength(body)}:${body},`));
    let buf = "";
    s.on("data", (d) => { buf += d; if (buf.includes("\"response\"")) { console.log(buf); process.exit(0); } });
    s.on("error", (e) => { console.error(e.message); process.exit(1); });
    setTimeout(() => { console.error("no response: " + buf); process.exit(1); }, 3000);' "$1" "${2:-}"
}

# The presence server's tables (db_text: one text file per table, from the schemas Kamailio
# ships), empty at every start: like registrations, presence lives only while Kamailio runs (and
# db_text cannot read back the rows it writes at shutdown with empty columns).
presence_tables() {
  local d src=""
  for d in /usr/share/kamailio/dbtext/kamailio /usr/local/share/kamailio/dbtext/kamailio; do
    [ -f "$d/presentity" ] && { src=$d; break; }
  done
  [ -n "$src" ] || fail "kamailio's db_text schemas (presentity, active_watchers…) not found"
  rm -rf "$RUN_DIR/presence-db"
  mkdir -p "$RUN_DIR/presence-db"
  for t in version presentity active_watchers watchers xcap pua; do
    [ -f "$src/$t" ] && cp "$src/$t" "$RUN_DIR/presence-db/$t"
  done
}

start() {
  [ -f "$CONF/kamailio.cfg" ] || fail "$CONF/kamailio.cfg missing (run up.sh first)"
  if alive kamailio; then echo "kamailio already running (pid $(cat "$RUN/kamailio.pid"))"; return 0; fi
  local t0; t0=$(now_ms)
  mkdir -p "$RUN" "$LOGS"
  rm -f "$RUN/kamailio_ctl"
  presence_tables
  kamailio -f "$CONF/kamailio.cfg" -Y "$RUN" -DD -E </dev/null >"$KAMLOG" 2>&1 &
  echo $! >"$RUN/kamailio.pid"
  local status pid; pid=$(cat "$RUN/kamailio.pid")
  status=$(sip_probe "$pid" 10000) || fail "kamailio exited or did not answer SIP OPTIONS on udp 127.0.0.1:5060 within 10 s"
  for _ in $(seq 1 100); do listening 8080 && listening 8443 && break; sleep 0.05; done
  listening 8080 && listening 8443 || fail "kamailio not listening on tcp 127.0.0.1:8080 (ws) and 127.0.0.1:8443 (wss)"
  alive kamailio || fail "kamailio exited during start-up"
  echo "kamailio up (pid $(cat "$RUN/kamailio.pid"), OPTIONS -> $status) after $(( $(now_ms) - t0 )) ms"

  # After a restart the registrar is empty: make a running baresip register again right away
  # (its own refresh would come only after 90 % of regint). baresip 1.0's ctrl_tcp has no
  # "register" command, so the user agent is deleted and re-created from the accounts line.
  if [ -z "$KEEP_BARESIP_CALLS" ] && alive baresip && ! registered phone; then
    local acc; acc=$(grep -v '^#' "$CONF/baresip/accounts" | grep -m1 '<sip:phone@')
    baresip_cmd uadel "sip:phone@127.0.0.1" >/dev/null || true
    baresip_cmd uanew "$acc" >/dev/null || fail "baresip uanew failed"
    # Make the new user agent the current one: the menu's "current UA" may still point at the
    # deleted one, and a dial through it then fails (seen as "Cannot allocate memory").
    baresip_cmd uafind "sip:phone@127.0.0.1" >/dev/null || true
    for _ in $(seq 1 100); do registered phone && break; sleep 0.05; done
    registered phone || fail "baresip did not register again within 5 s (see $LOGS/baresip.log)"
    echo "baresip registered again after $(( $(now_ms) - t0 )) ms"
  fi
}

case "$ACTION" in
  start) start ;;
  stop) exec "$HERE/down.sh" "$RUN_DIR" kamailio ;;
  *) usage ;;
esac
