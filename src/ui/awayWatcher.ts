// "Away after inactivity": no VS Code window of ours focused for AWAY_AFTER_MS publishes "away";
// focus brings "available" (or whatever calls and do-not-disturb say) back at once.
import * as vscode from "vscode";

const AWAY_AFTER_MS = 10 * 60 * 1000;

export function watchAway(setAway: (away: boolean) => void, afterMs = AWAY_AFTER_MS): vscode.Disposable {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const follow = (focused: boolean) => {
    clearTimeout(timer);
    timer = undefined;
    if (focused) setAway(false);
    else timer = setTimeout(() => setAway(true), afterMs);
  };
  follow(vscode.window.state.focused);
  const sub = vscode.window.onDidChangeWindowState((s) => follow(s.focused));
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    sub.dispose();
  });
}
