// Turns a socket-level error into a sentence a person can act on. Kept apart from the
// transport so the wording is unit-testable without a network.

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

export function describeConnectionError(err: unknown, server: string): Error {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const code = e?.code ?? "";
  let text: string;
  if (code === "ECONNREFUSED") text = `connection refused by ${server}`;
  else if (code === "ETIMEDOUT" || /timed? ?out/i.test(e?.message ?? "")) text = `timed out connecting to ${server}`;
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN") text = `cannot resolve the host of ${server}`;
  else if (code === "EHOSTUNREACH" || code === "ENETUNREACH") text = `network unreachable for ${server}`;
  else if (code === "ECONNRESET") text = `connection reset by ${server}`;
  else if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(e?.message ?? "")) {
    text = `TLS handshake with ${server} failed (${code || e?.message})`;
  } else text = `cannot connect to ${server}: ${e?.message ?? String(err)}`;
  const out = new Error(text);
  (out as NodeJS.ErrnoException).code = code || undefined;
  return out;
}
