// Presence as the UI shows it: our own state and a contact's lamp, with their words. Shared by
// the host and the sidebar (no runtime dependencies).

/** What we say about ourselves. */
export type OwnPresence = "available" | "on-the-phone" | "dnd" | "away";

/** A contact's lamp, as shown next to them. */
export type Lamp = "unknown" | "offline" | "idle" | "ringing" | "busy" | "away" | "dnd";

export const LAMP_LABELS: Record<Lamp, string> = {
  unknown: "unknown",
  offline: "offline",
  idle: "available",
  ringing: "ringing",
  busy: "in a call",
  away: "away",
  dnd: "do not disturb",
};
