// "Away after inactivity": no VS Code window of ours focused for AWAY_AFTER_MS publishes "away";
// focus brings "available" (or whatever calls and do-not-disturb say) back at once. With several
// windows on one phone, the owner counts every linked window's focus (src/phone/phoneHost.ts).
import * as vscode from "vscode";
import type { Event } from "../util/emitter";

const AWAY_AFTER_MS = 10 * 60 * 1000;

/** Where focus is read: this window's by default. */
export interface FocusSource {
  focused(): boolean;
  onDidChange: Event<void>;
}

const thisWindow: FocusSource = {
  focused: () => vscode.window.state.focused,
  onDidChange: (listener) => vscode.window.onDidChangeWindowState(() => listener()),
};

export function watchAway(setAway: (away: boolean) => void, focus: FocusSource = thisWindow, afterMs = AWAY_AFTER_MS): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wasFocused: boolean | undefined;
  const follow = () => {
    const focused = focus.focused();
    if (focused === wasFocused) return;
    wasFocused = focused;
    clearTimeout(timer);
    timer = undefined;
    if (focused) setAway(false);
    else timer = setTimeout(() => setAway(true), afterMs);
  };
  follow();
  const sub = focus.onDidChange(follow);
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    sub.dispose();
  });
}
