// The status bar while we are in a room: "in room <subject> · N people" and whether we are
// muted; a click mutes or unmutes us, the tooltip says how to leave.
import * as vscode from "vscode";
import { safeUiText } from "../calls/remoteParty";
import type { RoomStateView } from "../protocol/model";
import { roomPeople } from "./format";

export class RoomStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("softphone.room", vscode.StatusBarAlignment.Left, 98);

  constructor() {
    this.item.name = "Softphone Room";
    this.item.command = "softphone.toggleRoomMute";
  }

  update(room: RoomStateView | undefined): void {
    if (!room) {
      this.item.hide();
      return;
    }
    if (room.reconnecting) {
      this.item.text = `$(sync~spin) rejoining room ${safeUiText(room.subject, 40)}`;
      this.item.tooltip = `Softphone: the rooms server went away; you rejoin "${safeUiText(room.subject, 128)}" as soon as it is back ("Softphone: Leave Room" to stop)`;
      this.item.show();
      return;
    }
    const people = roomPeople(room);
    const subject = safeUiText(room.subject, 40);
    this.item.text = `$(organization) in room ${subject} · ${people} ${people === 1 ? "person" : "people"}${room.muted ? " $(mute)" : ""}${room.screenId !== undefined ? " $(screen-full)" : ""}${room.recording ? " $(record) REC" : ""}`;
    this.item.tooltip = `Softphone: in room "${safeUiText(room.subject, 128)}" (number ${room.id})${room.muted ? "\nYou are muted" : ""}${room.recording ? "\nThe room is being recorded" : ""}\nClick to ${room.muted ? "unmute" : "mute"}; "Softphone: Leave Room" to leave`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
