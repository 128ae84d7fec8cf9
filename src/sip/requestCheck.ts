// What sip.js lets through although RFC 3261 says to refuse it (found with RFC 4475's torture
// messages, test/integration/torture.test.ts): a request of another SIP version, a CSeq whose
// method is not the request's, single-value headers given twice, a Require naming extensions
// we do not have, headers in the Request-URI. Each is answered here, statelessly and before
// sip.js sees it, with the status the RFC names. Responses and well-formed requests pass
// untouched. No vscode import.

/** Option tags we honour in a Require (sip.js with our settings: Replaces for attended transfer). */
export const SUPPORTED_OPTION_TAGS = new Set(["replaces"]);

/** Headers that may appear once (RFC 3261 7.3.1: not comma-separated lists), by full and compact name. */
const SINGLE: Record<string, string> = {
  "call-id": "Call-ID",
  i: "Call-ID",
  cseq: "CSeq",
  from: "From",
  f: "From",
  to: "To",
  t: "To",
  "max-forwards": "Max-Forwards",
  "content-length": "Content-Length",
  l: "Content-Length",
  "content-type": "Content-Type",
  c: "Content-Type",
};

/** Headers copied into a stateless response (RFC 3261 8.2.6.2). */
const ECHOED = ["via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"];

export interface Refusal {
  status: number;
  reason: string;
  /** The response to send back; undefined for an ACK (never answered) or a request too broken to answer. */
  response?: string;
}

/** Undefined when the message may go on to sip.js; else how we refuse it. */
export function checkRequest(message: string): Refusal | undefined {
  const end = message.search(/\r?\n\r?\n/);
  const head = (end >= 0 ? message.slice(0, end) : message).replace(/\r?\n[ \t]+/g, " ");
  const [start = "", ...lines] = head.split(/\r?\n/);
  if (/^SIP\//i.test(start)) return undefined; // a response
  const m = /^([A-Za-z!%*_+`'~.-]+) (\S+) (\S+)$/.exec(start.trim());
  if (!m) return undefined; // not a request line sip.js would take either: it drops it
  const [, method, uri, version] = m;
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  const refuse = (status: number, reason: string, extra: string[] = []): Refusal => ({ status, reason, response: method === "ACK" ? undefined : respond(headers, status, reason, extra) });

  if (version.toUpperCase() !== "SIP/2.0") return refuse(505, "Version Not Supported");
  const counts = new Map<string, number>();
  for (const [name, value] of headers) {
    const canonical = SINGLE[name];
    if (!canonical) continue;
    counts.set(canonical, (counts.get(canonical) ?? 0) + 1);
    if (counts.get(canonical)! > 1) return refuse(400, `Duplicate ${canonical} header`);
    if ((canonical === "Content-Length" || canonical === "CSeq" || canonical === "Max-Forwards") && value.includes(",")) return refuse(400, `Several values in ${canonical}`);
  }
  const cseq = headers.find(([n]) => n === "cseq")?.[1];
  const cseqMethod = cseq?.split(/\s+/)[1];
  if (cseqMethod !== undefined && cseqMethod !== method) return refuse(400, "CSeq method does not match the request");
  if (/^sips?:[^?]*\?/i.test(uri)) return refuse(400, "Headers in the Request-URI");
  if (method !== "ACK" && method !== "CANCEL") {
    const required = headers.filter(([n]) => n === "require").flatMap(([, v]) => v.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
    const unsupported = [...new Set(required.filter((t) => !SUPPORTED_OPTION_TAGS.has(t)))];
    if (unsupported.length) return refuse(420, "Bad Extension", [`Unsupported: ${unsupported.join(", ")}`]);
  }
  return undefined;
}

/** A stateless response: the request's Via, From, To (with a tag of ours), Call-ID and CSeq. */
function respond(headers: Array<[string, string]>, status: number, reason: string, extra: string[]): string | undefined {
  const echoed = headers.filter(([n]) => ECHOED.includes(n));
  const has = (names: string[]) => echoed.some(([n]) => names.includes(n));
  if (!has(["via", "v"]) || !has(["call-id", "i"]) || !has(["cseq"]) || !has(["from", "f"]) || !has(["to", "t"])) return undefined;
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const [name, value] of echoed) {
    const full = { v: "Via", f: "From", t: "To", i: "Call-ID" }[name] ?? name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()).replace("Call-Id", "Call-ID").replace("Cseq", "CSeq");
    const withTag = (full === "To" && !/;\s*tag\s*=/i.test(value)) ? `${value};tag=${Math.random().toString(36).slice(2, 12)}` : value;
    lines.push(`${full}: ${withTag}`);
  }
  return [...lines, ...extra, "Content-Length: 0", "", ""].join("\r\n");
}
