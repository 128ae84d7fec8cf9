// The room action table: every front end (sidebar, call window, commands) asks for a change to
// the room we are in with a RoomAction; this checks it (it may come from a page) and runs it.
// No vscode import.
import type { RoomAction } from "../protocol/roomActions";
import type { RoomService } from "./roomService";

/** Checks an action from outside (a webview, the call window); throws saying what is wrong. */
export function checkRoomAction(input: unknown): RoomAction {
  if (!input || typeof input !== "object") throw new Error("a room action must be an object");
  const a = input as Record<string, unknown>;
  const flag = (key: string): boolean => {
    if (typeof a[key] !== "boolean") throw new Error(`room action "${String(a.action)}" needs "${key}": true or false`);
    return a[key] as boolean;
  };
  switch (a.action) {
    case "mute":
      return { action: "mute", muted: flag("muted") };
    case "camera":
      return { action: "camera", off: flag("off") };
    case "screen":
      return { action: "screen", on: flag("on") };
    case "receive":
      if (typeof a.memberId !== "number" || !Number.isSafeInteger(a.memberId)) throw new Error('room action "receive" needs a member id');
      return { action: "receive", memberId: a.memberId, on: flag("on") };
    case "layer":
      if (typeof a.memberId !== "number" || !Number.isSafeInteger(a.memberId)) throw new Error('room action "layer" needs a member id');
      if (a.layer !== "high" && a.layer !== "low") throw new Error('room action "layer" needs "high" or "low"');
      return { action: "layer", memberId: a.memberId, layer: a.layer };
    case "leave":
      return { action: "leave" };
    default:
      throw new Error(`unknown room action ${JSON.stringify(String(a.action)).slice(0, 40)}`);
  }
}

export async function runRoomAction(rooms: RoomService, input: unknown): Promise<void> {
  const action = checkRoomAction(input);
  switch (action.action) {
    case "mute":
      return rooms.setMuted(action.muted);
    case "camera":
      return rooms.setCameraOff(action.off);
    case "screen":
      return rooms.shareScreen(action.on);
    case "receive":
      return rooms.setReceiving(action.memberId, action.on);
    case "layer":
      return rooms.setLayer(action.memberId, action.layer);
    case "leave":
      return rooms.leave();
  }
}
