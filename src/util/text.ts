// Small text helpers used wherever the product turns values into sentences for people.

/** The message of anything thrown (sip.js, ws and the browser throw non-Errors at times). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Quoted for messages; long values are cut so a pasted blob can't flood a message. */
export function quoteForMessage(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 3)}...` : text);
}
