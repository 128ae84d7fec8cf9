// Opens the call window page: VS Code's Integrated Browser when it exists (desktop; it has
// per-site microphone/camera permissions), else the system browser through asExternalUri,
// which in remote setups (code-server, Codespaces) maps our 127.0.0.1 port to a public URL.
import * as vscode from "vscode";
import type { CallWindowMode } from "../accounts/accountSettings";
import type { CallWindowServer } from "./callWindowServer";
import type { Logger } from "../util/logger";

export const INTEGRATED_BROWSER_COMMAND = "workbench.action.browser.open";

export async function openCallWindow(localUrl: string, mode: CallWindowMode, server: CallWindowServer, log: Logger): Promise<void> {
  if (mode !== "externalBrowser") {
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes(INTEGRATED_BROWSER_COMMAND)) {
      await vscode.commands.executeCommand(INTEGRATED_BROWSER_COMMAND, localUrl);
      log.info("call window opened in the Integrated Browser");
      return;
    }
    if (mode === "integratedBrowser") {
      log.warn("softphone.callWindow is integratedBrowser but this VS Code has no Integrated Browser; using the system browser");
    }
  }
  const external = await vscode.env.asExternalUri(vscode.Uri.parse(localUrl));
  // The page may now arrive with this public Host/Origin (e.g. code-server's /proxy/PORT/).
  server.allowAuthority(external.authority);
  const opened = await vscode.env.openExternal(external);
  log.info(`call window opened in the system browser (${opened ? "ok" : "refused"})`);
  if (!opened) throw new Error("the browser did not open the call window");
}
