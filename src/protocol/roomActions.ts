// What the sidebar, the call window and the commands can ask of the room we are in — one table,
// like call actions (callActions.ts): each front end sends a RoomAction, the host decides.
export type RoomAction =
  /** Our microphone in the room; the others see the mark. */
  | { action: "mute"; muted: boolean }
  /** Our camera (video rooms): off sends no frames; the others see the mark. */
  | { action: "camera"; off: boolean }
  /** Share our screen as a second publisher of ours (video rooms), or stop. */
  | { action: "screen"; on: boolean }
  /** Receive one publisher's feed (subscribe) or stop receiving it (unsubscribe). */
  | { action: "receive"; memberId: number; on: boolean }
  /**
   * Which simulcast layer of a publisher's video to receive: "high" for the large tile (stage,
   * pinned), "low" for a small one. The call window asks, as it knows the layout.
   */
  | { action: "layer"; memberId: number; layer: "high" | "low" }
  | { action: "leave" };

export type RoomActionName = RoomAction["action"];
