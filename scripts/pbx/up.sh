#!/usr/bin/env bash
# Bring up the local PBX bench on 127.0.0.1 with all state under RUN_DIR:
#   rtpengine -> kamailio -> baresip -> sipp x6 (answer, busy, 503, early, refer403, refer501) -> janus
#   (rooms: ws://127.0.0.1:8188), each waited for.
#   RUN_DIR/conf  rendered configs (templates: scripts/pbx/conf, @RUN_DIR@ etc. substituted)
#   RUN_DIR/run   pid files, kamailio control socket     RUN_DIR/logs  one log per daemon
#   RUN_DIR/rec   baresip's recordings (sndfile)          RUN_DIR/tls   self-signed cert for wss
#   RUN_DIR/media the 440 Hz tone baresip sends (make-tone.js) and its first second as raw u-law,
#                 sipp-early's early media (cert and tones are kept across runs)
# A bench already running from the same RUN_DIR is stopped first. On any failure the parts
# already started are stopped again, the tail of the relevant log is printed, exit status 1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 RUN_DIR" >&2; exit 2; }
mkdir -p "$1"
RUN_DIR=$(cd "$1" && pwd)
RUN=$RUN_DIR/run LOGS=$RUN_DIR/logs CONF=$RUN_DIR/conf REC=$RUN_DIR/rec TLS=$RUN_DIR/tls MEDIA=$RUN_DIR/media

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(now_ms)
STARTED=0
fail() { # message [log file]
  echo "pbx up: $1" >&2
  if [ -n "${2:-}" ]; then echo "--- tail of $2" >&2; tail -n 40 "$2" >&2 2>/dev/null || true; fi
  if [ "$STARTED" = 1 ]; then "$HERE/down.sh" "$RUN_DIR" >/dev/null 2>&1 || true; fi
  exit 1
}
trap 'fail "unexpected error at line $LINENO"' ERR
alive() { # NAME: pid file present, process alive, not a zombie
  local pid st
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
  [ -n "$st" ] && [ "$st" != Z ]
}
listening() { # tcp|udp PORT
  local opt=-Hltn; [ "$1" = udp ] && opt=-Hlun
  ss $opt "sport = :$2" 2>/dev/null | grep -q "127.0.0.1:$2"
}

# 0. tools present, previous bench from this RUN_DIR gone, ports free
for b in kamailio kamcmd rtpengine baresip sipp openssl ss node janus; do
  command -v "$b" >/dev/null || fail "$b not found (run scripts/pbx/install.sh as root)"
done
"$HERE/down.sh" "$RUN_DIR" | sed 's/^/previous bench: /' || true
busy=""
for p in udp:2223 tcp:9900 udp:5060 tcp:5060 tcp:8080 tcp:8443 udp:5062 tcp:4444 udp:5070 udp:5071 udp:5072 udp:5073 udp:5074 udp:5075 tcp:8188; do
  listening "${p%%:*}" "${p#*:}" && busy+=" $p"
done
[ -z "$busy" ] || fail "ports in use:$busy (another bench or a system kamailio/rtpengine?)
$(ss -Hlntup 2>/dev/null | grep -E ':(2223|9900|5060|8080|8443|5062|4444|507[0-3]) ' || true)"

# 1. render configs, media, cert
mkdir -p "$RUN" "$LOGS" "$REC" "$TLS" "$CONF" "$MEDIA"
KAMAILIO_MODULES=""
for d in /usr/lib/*/kamailio/modules /usr/lib/kamailio/modules /usr/lib64/kamailio/modules; do
  [ -f "$d/tm.so" ] && { KAMAILIO_MODULES=$d/; break; }
done
BARESIP_MODULES=""
for d in /usr/lib/baresip/modules /usr/lib/*/baresip/modules /usr/local/lib/baresip/modules; do
  [ -f "$d/sndfile.so" ] && { BARESIP_MODULES=$d; break; }
done
[ -n "$KAMAILIO_MODULES" ] || fail "kamailio module directory not found"
[ -n "$BARESIP_MODULES" ] || fail "baresip module directory (with sndfile.so) not found"
JANUS_LIB=""
for d in /usr/lib/*/janus /usr/lib/janus /usr/lib64/janus; do
  [ -f "$d/plugins/libjanus_videoroom.so" ] && { JANUS_LIB=$d; break; }
done
[ -n "$JANUS_LIB" ] || fail "janus plugin directory (with libjanus_videoroom.so) not found"
rm -rf "$CONF" "$REC"; mkdir -p "$CONF" "$REC"   # recordings start empty for every bench run
(cd "$HERE/conf" && find . -type f) | while read -r f; do
  mkdir -p "$(dirname "$CONF/$f")"
  sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@KAMAILIO_MODULES@|$KAMAILIO_MODULES|g" \
      -e "s|@BARESIP_MODULES@|$BARESIP_MODULES|g" -e "s|@JANUS_LIB@|$JANUS_LIB|g" "$HERE/conf/$f" >"$CONF/$f"
done
# sipp takes a response code only as written in the scenario: one copy per refused-REFER status
for status in 403 501; do
  sed "s|@REFER_STATUS@|$status|g" "$CONF/sipp/uas-refuse-refer.xml" >"$CONF/sipp/uas-refuse-refer-$status.xml"
done
[ -s "$MEDIA/tone-440-8k.wav" ] || node "$HERE/make-tone.js" "$MEDIA/tone-440-8k.wav" 60 440 8000 0.5 || fail "make-tone.js failed"
# sipp's rtp_stream plays raw payload bytes: the WAV's first second (440 whole cycles, so it loops
# without a click; 8000 bytes = 50 packets of 20 ms) encoded as G.711 u-law
[ -s "$MEDIA/tone-440-8k.pcmu" ] || node -e '
  const fs = require("fs"), [wav, out] = process.argv.slice(1), pcm = fs.readFileSync(wav);
  const ulaw = (s) => {
    const sign = s < 0 ? 0x80 : 0;
    s = Math.min(Math.abs(s), 32635) + 0x84;
    let exp = 7;
    for (let m = 0x4000; !(s & m) && exp > 0; m >>= 1) exp--;
    return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
  };
  const n = 8000, b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ulaw(pcm.readInt16LE(44 + 2 * i));
  fs.writeFileSync(out + ".tmp", b);
  fs.renameSync(out + ".tmp", out);' "$MEDIA/tone-440-8k.wav" "$MEDIA/tone-440-8k.pcmu" || fail "making the u-law tone failed"
if [ ! -s "$TLS/cert.pem" ] || [ ! -s "$TLS/key.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$TLS/key.pem" -out "$TLS/cert.pem" >"$LOGS/openssl.log" 2>&1 || fail "openssl failed" "$LOGS/openssl.log"
fi
STARTED=1

# 2. rtpengine: wait for an answer to an ng "ping"
t=$(now_ms)
rtpengine --config-file="$CONF/rtpengine.conf" </dev/null >"$LOGS/rtpengine.log" 2>&1 &
echo $! >"$RUN/rtpengine.pid"
ok=$(node -e '
  const [pid, ms] = process.argv.slice(1).map(Number), deadline = Date.now() + ms;
  const d = require("dgram").createSocket("udp4");
  d.on("message", (m) => { console.log(m.toString()); process.exit(0); });
  d.on("error", () => {});
  const ping = () => {
    try { process.kill(pid, 0); } catch { process.exit(2); }
    if (Date.now() > deadline) process.exit(1);
    d.send("p1 d7:command4:pinge", 2223, "127.0.0.1");
    setTimeout(ping, 50);
  };
  ping();' "$(cat "$RUN/rtpengine.pid")" 10000) && alive rtpengine ||
  fail "rtpengine exited or did not answer an ng ping on udp 127.0.0.1:2223 within 10 s" "$LOGS/rtpengine.log"
echo "rtpengine up (pid $(cat "$RUN/rtpengine.pid")) after $(( $(now_ms) - t )) ms"

# 3. kamailio: SIP OPTIONS answered, ws/wss listening
"$HERE/kamailio.sh" start "$RUN_DIR" || fail "kamailio did not come up (see above)"

# 4. baresip: registered at kamailio, ctrl_tcp listening
t=$(now_ms)
baresip -f "$CONF/baresip" </dev/null >"$LOGS/baresip.log" 2>&1 &
echo $! >"$RUN/baresip.pid"
ok=""
for _ in $(seq 1 200); do
  alive baresip || fail "baresip exited during start-up" "$LOGS/baresip.log"
  # kamcmd exits 0 even for "AOR not found": look for the binding itself
  if kamcmd -s "unix:$RUN/kamailio_ctl" ul.lookup location phone 2>&1 | grep -q 'AoR: phone$' && listening tcp 4444; then
    ok=1; break
  fi
  sleep 0.05
done
[ -n "$ok" ] || fail "baresip did not register as phone@127.0.0.1 within 10 s" "$LOGS/baresip.log"
echo "baresip up (pid $(cat "$RUN/baresip.pid")), registered after $(( $(now_ms) - t )) ms"

# 5. sipp UAS x6 (background mode; the pid is parsed from sipp's output)
t=$(now_ms)
start_sipp() { # name scenario sip-port media-port [extra args]
  local name=$1 sf=$2 port=$3 mport=$4 out pid; shift 4
  out=$(cd "$LOGS" && sipp -sf "$CONF/sipp/$sf" -i 127.0.0.1 -p "$port" -mi 127.0.0.1 -mp "$mport" "$@" \
        -bg -nostdin -trace_err -error_file "$LOGS/sipp-$name.err" -trace_stat -stf "$LOGS/sipp-$name.csv" \
        </dev/null 2>&1) || true
  echo "$out" >"$LOGS/sipp-$name.log"
  pid=$(echo "$out" | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p')
  [ -n "$pid" ] || fail "sipp-$name did not start" "$LOGS/sipp-$name.log"
  echo "$pid" >"$RUN/sipp-$name.pid"
}
start_sipp answer uas-answer-bye.xml 5070 6100 -rtp_echo
start_sipp busy uas-486.xml 5071 6110
start_sipp 503 uas-503.xml 5072 6120
start_sipp early uas-early.xml 5073 6130
start_sipp refer403 uas-refuse-refer-403.xml 5074 6140
start_sipp refer501 uas-refuse-refer-501.xml 5075 6150
for n in answer:5070 busy:5071 503:5072 early:5073 refer403:5074 refer501:5075; do
  for _ in $(seq 1 100); do listening udp "${n#*:}" && break; sleep 0.05; done
  listening udp "${n#*:}" || fail "sipp-${n%%:*} not listening on udp 127.0.0.1:${n#*:}" "$LOGS/sipp-${n%%:*}.err"
done
echo "sipp x6 up (pids $(cat "$RUN"/sipp-*.pid | tr '\n' ' ')) after $(( $(now_ms) - t )) ms"

# 6. janus (rooms): the WebSocket API listening (see janus.sh)
"$HERE/janus.sh" start "$RUN_DIR" || fail "janus did not come up (see above)"

trap - ERR
echo "pbx up in $(( $(now_ms) - T0 )) ms: $RUN_DIR"
