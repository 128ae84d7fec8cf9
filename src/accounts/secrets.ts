// SIP passwords live only in VS Code's SecretStorage (the OS keychain on desktop), keyed by
// account id. They are never written to settings, logs, webview state or files.
import type * as vscode from "vscode";

const key = (accountId: string) => `softphone.password.${accountId}`;

export class PasswordStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(accountId: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(key(accountId)));
  }

  async set(accountId: string, password: string): Promise<void> {
    await this.secrets.store(key(accountId), password);
  }

  async delete(accountId: string): Promise<void> {
    await this.secrets.delete(key(accountId));
  }

  /** Fires with the account id whose password changed (also from another window). */
  onDidChange(listener: (accountId: string) => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith("softphone.password.")) listener(e.key.slice("softphone.password.".length));
    });
  }
}
