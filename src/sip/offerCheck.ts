// Whether an SDP offer in an incoming INVITE can be answered at all. An offer that is not SDP
// (no version line, no media line that reads as one) would ring, and only fail when the user
// answers — with the browser's parser error, quoting the offending line. It is refused at once
// with 488 (RFC 3261 21.4.26) and a Warning saying why (RFC 3261 20.43, code 399). Parsing is
// sdp-transform's; this decides what is too broken to ring. No vscode import.
import { parse } from "sdp-transform";

/** Undefined when the offer may ring; else the reason, short and without the offer's own text. */
export function unanswerableOffer(sdp: string): string | undefined {
  const text = sdp.replace(/^\s+/, "");
  if (!/^v=0[ \t]*[\r\n]/.test(text)) return "it does not start with v=0";
  let session: ReturnType<typeof parse>;
  try {
    session = parse(text);
  } catch {
    return "it cannot be parsed";
  }
  const media = session.media ?? [];
  if (media.length === 0) return "it has no media line";
  for (const [i, m] of media.entries()) {
    // sdp-transform leaves a media line that does not match "m=<type> <port> <proto> <fmt>" empty.
    if (typeof m.type !== "string" || !m.type) return `media line ${i + 1} does not read as one`;
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) return `media line ${i + 1} has no valid port`;
    if (typeof m.protocol !== "string" || !m.protocol) return `media line ${i + 1} has no transport protocol`;
    if (m.port > 0 && !session.connection?.ip && !m.connection?.ip) return `media line ${i + 1} has no connection address`;
  }
  return undefined;
}
