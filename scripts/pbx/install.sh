#!/usr/bin/env bash
# Installs the Debian packages the local PBX bench needs (idempotent, quiet when nothing to do).
# Run as root (CI and dev containers are root). Packages are only installed, never started here;
# on a systemd host disable the distro services so they do not hold 5060/2223:
#   systemctl disable --now kamailio rtpengine-daemon
set -euo pipefail

PKGS=(kamailio kamailio-websocket-modules kamailio-tls-modules kamailio-extra-modules
      kamailio-presence-modules   # presence server: PUBLISH/SUBSCRIBE, busy lamp (dialog-info)
      rtpengine-daemon baresip-core sip-tester chromium openssl iproute2
      iptables   # iptables: packet loss injected (statistic match) by the quality test
      janus)     # rooms: VideoRoom, TextRoom, AudioBridge

missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "pbx/install.sh: missing packages: ${missing[*]} (run this script as root)" >&2
  exit 1
fi
echo "pbx/install.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
