// SIP URI parsing with sip.js's own grammar, so that anything accepted here (settings, dial
// strings) is also accepted by the SIP stack when it is used.
import { Grammar } from "sip.js";

export interface ParsedSipUri {
  scheme?: string;
  user?: string;
  host?: string;
  port?: number;
}

export function parseSipUri(text: string): ParsedSipUri | undefined {
  const parsed: unknown = Grammar.URIParse(text);
  return typeof parsed === "object" && parsed !== null ? (parsed as ParsedSipUri) : undefined;
}
