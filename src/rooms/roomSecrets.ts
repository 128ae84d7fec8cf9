// Room secrets (needed to destroy a room or remove someone from it) live only in VS Code's
// SecretStorage, keyed by server and room: the rooms we created. Never in settings, logs or files.
import type * as vscode from "vscode";

const PREFIX = "softphone.roomSecret.";
const key = (server: string, room: number) => `${PREFIX}${server}#${room}`;

export class RoomSecrets {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(server: string, room: number): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(key(server, room)));
  }

  async set(server: string, room: number, secret: string): Promise<void> {
    await this.secrets.store(key(server, room), secret);
  }

  async delete(server: string, room: number): Promise<void> {
    await this.secrets.delete(key(server, room));
  }
}
