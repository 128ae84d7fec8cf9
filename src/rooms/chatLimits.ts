// Limits of a room chat message, shared by the host and the sidebar (no imports, safe for both).
/** What the seed SDK allows per message; longer text is refused, never cut silently. */
export const MAX_CHAT_TEXT = 2048;
