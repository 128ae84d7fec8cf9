// "Softphone: Add Account": a guided quick-input flow. Writes the account to the user's
// settings and its password to SecretStorage. Every step validates as the user types.
import * as vscode from "vscode";
import { parseAccounts } from "./accountConfig";
import type { PasswordStore } from "./secrets";

export async function addAccountFlow(passwords: PasswordStore): Promise<string | undefined> {
  const config = vscode.workspace.getConfiguration("softphone");
  const existing = config.get<unknown[]>("accounts", []);
  const list = Array.isArray(existing) ? existing : [];
  const ids = new Set(list.map((a) => (a && typeof a === "object" ? String((a as { id?: unknown }).id) : "")));
  const title = "Softphone: Add Account";

  const uri = await vscode.window.showInputBox({
    title: `${title} (1/4)`,
    prompt: "Your SIP address",
    placeHolder: "sip:alice@pbx.example.com",
    ignoreFocusOut: true,
    validateInput: (v) => (/^sips?:[^@\s]+@[^@\s]+$/.test(v.trim()) ? undefined : "Enter a SIP URI like sip:alice@pbx.example.com"),
  });
  if (!uri) return;
  const server = await vscode.window.showInputBox({
    title: `${title} (2/4)`,
    prompt: "The WebSocket address of your SIP server or SBC",
    placeHolder: "wss://pbx.example.com:8089/ws",
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        const u = new URL(v.trim());
        return u.protocol === "ws:" || u.protocol === "wss:" ? undefined : "The address must start with ws:// or wss://";
      } catch {
        return "Enter a URL like wss://pbx.example.com:8089/ws";
      }
    },
  });
  if (!server) return;
  const user = uri.trim().replace(/^sips?:/, "").split("@")[0];
  let suggested = user.replace(/[^A-Za-z0-9._-]/g, "") || "account";
  for (let i = 2; ids.has(suggested); i++) suggested = `${user}-${i}`;
  const id = await vscode.window.showInputBox({
    title: `${title} (3/4)`,
    prompt: "A short id for this account (used in commands and settings)",
    value: suggested,
    ignoreFocusOut: true,
    validateInput: (v) => (!/^[A-Za-z0-9._-]{1,64}$/.test(v) ? "Letters, digits, dot, dash and underscore only" : ids.has(v) ? `"${v}" is already used` : undefined),
  });
  if (!id) return;
  const password = await vscode.window.showInputBox({
    title: `${title} (4/4)`,
    prompt: `Password for ${user} (stored in VS Code's secret storage, never in settings)`,
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;

  const account = { id, label: id, server: server.trim(), uri: uri.trim() };
  const check = parseAccounts([account]);
  if (check.errors.length) {
    void vscode.window.showErrorMessage(`Softphone: ${check.errors[0]}`);
    return;
  }
  if (password) await passwords.set(id, password);
  await config.update("accounts", [...list, account], vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(`Softphone: account "${id}" added.`);
  return id;
}
