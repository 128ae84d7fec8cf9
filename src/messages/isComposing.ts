// RFC 3994 is-composing notices: "the other party is typing". Read from and written as the
// application/im-iscomposing+xml body of a MESSAGE; never stored. No vscode import.

export const IS_COMPOSING_TYPE = "application/im-iscomposing+xml";
/** How long "typing" lasts without a refresh (RFC 3994 §3: 120 s at most). */
const MAX_ACTIVE_SECONDS = 120;

/** Whether the notice says typing (active) and for how long; undefined for a body that is not one. */
export function readIsComposing(body: string): { active: boolean; seconds: number } | undefined {
  if (body.length > 4096 || !/<isComposing[\s>]/.test(body)) return undefined;
  const state = /<state>\s*(active|idle)\s*<\/state>/i.exec(body)?.[1]?.toLowerCase();
  if (!state) return undefined;
  const refresh = Number(/<refresh>\s*(\d{1,5})\s*<\/refresh>/.exec(body)?.[1]);
  return { active: state === "active", seconds: Number.isFinite(refresh) && refresh > 0 ? Math.min(refresh, MAX_ACTIVE_SECONDS) : MAX_ACTIVE_SECONDS };
}

/** Our notice: active, about text/plain, refreshed within `refreshSeconds` while we keep typing. */
export function isComposingBody(active: boolean, refreshSeconds = 60): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">` +
    `<state>${active ? "active" : "idle"}</state><contenttype>text/plain</contenttype>${active ? `<refresh>${refreshSeconds}</refresh>` : ""}</isComposing>`
  );
}
