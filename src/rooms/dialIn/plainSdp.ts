// The SDP of a dial-in call: a phone's plain-RTP audio offer read (where to send, whether it
// speaks G.711 µ-law, which payload type carries DTMF) and our answer or offer written. Parsing
// and writing are sdp-transform's; this decides what we accept. No vscode import.
import { parse, write, type SessionDescription } from "sdp-transform";
import { PCMU_PAYLOAD_TYPE } from "./rtp";

export interface RemoteAudio {
  address: string;
  port: number;
  /** RFC 4733 payload type the phone offered; undefined: it cannot send digits in RTP. */
  telephoneEvent: number | undefined;
}

/** Reads a phone's offer or answer; throws saying why the call cannot be taken. */
export function readPlainAudio(sdp: string): RemoteAudio {
  let parsed: SessionDescription;
  try {
    parsed = parse(sdp);
  } catch {
    throw new Error("the caller's SDP cannot be read");
  }
  const audio = parsed.media.find((m) => m.type === "audio" && m.port !== 0);
  if (!audio) throw new Error("the caller offers no audio");
  if (/SAVP|DTLS/i.test(audio.protocol)) throw new Error(`the caller offers encrypted media (${audio.protocol}); room dial-in takes plain RTP only`);
  const payloads = String(audio.payloads ?? "").split(/\s+/).map(Number);
  if (!payloads.includes(PCMU_PAYLOAD_TYPE)) throw new Error("the caller does not offer G.711 µ-law (PCMU)");
  const address = audio.connection?.ip ?? parsed.connection?.ip;
  if (!address) throw new Error("the caller's SDP says no address");
  const event = audio.rtp.find((r) => /^telephone-event$/i.test(r.codec) && r.rate === 8000);
  return { address, port: audio.port, telephoneEvent: event?.payload };
}

/** Our side: PCMU, and telephone-event on the payload type the phone chose (101 when we offer). */
export function writePlainAudio(local: { address: string; port: number; sessionId: number; version: number }, telephoneEvent = 101): string {
  const description: SessionDescription = {
    version: 0,
    origin: { username: "-", sessionId: local.sessionId, sessionVersion: local.version, netType: "IN", ipVer: 4, address: local.address },
    name: "softphone room dial-in",
    connection: { version: 4, ip: local.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: "audio",
        port: local.port,
        protocol: "RTP/AVP",
        payloads: `${PCMU_PAYLOAD_TYPE} ${telephoneEvent}`,
        rtp: [
          { payload: PCMU_PAYLOAD_TYPE, codec: "PCMU", rate: 8000 },
          { payload: telephoneEvent, codec: "telephone-event", rate: 8000 },
        ],
        fmtp: [{ payload: telephoneEvent, config: "0-15" }],
        ptime: 20,
        direction: "sendrecv",
      },
    ],
  };
  return write(description);
}
