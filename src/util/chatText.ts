// Untrusted message text (room chat, and later SIP MESSAGE) made safe to show: it is only ever
// shown as plain text (never HTML or Markdown); control, bidi-override and zero-width characters
// become a visible "�" so nothing can hide or reorder what a reader sees; plain http(s) URLs
// become links that the host opens outside (after checking them again). No vscode import, no DOM.

/** C0/C1 controls (but newline and tab), bidi embeddings/overrides/isolates, zero-width and BOM. */
const HIDDEN = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;

export type ChatPart = { kind: "text"; text: string } | { kind: "link"; text: string; url: string };

export function neutralise(text: string): string {
  return text.replace(HIDDEN, "\uFFFD");
}

/** A link we would open: http or https, nothing else (no command:, file:, javascript:, vscode:). */
export function safeLink(url: string | undefined): string | undefined {
  if (!url || url.length > 2048) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The text in parts to show: plain text, and links for plain http(s) URLs (trailing punctuation left out). */
export function chatParts(raw: string): ChatPart[] {
  const text = neutralise(raw);
  const parts: ChatPart[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let candidate = match[0];
    const trail = /[.,;:!?)\]]+$/.exec(candidate);
    if (trail) candidate = candidate.slice(0, -trail[0].length);
    const url = safeLink(candidate);
    if (!url) continue;
    if (match.index! > at) parts.push({ kind: "text", text: text.slice(at, match.index) });
    parts.push({ kind: "link", text: candidate, url });
    at = match.index! + candidate.length;
  }
  if (at < text.length) parts.push({ kind: "text", text: text.slice(at) });
  return parts;
}
