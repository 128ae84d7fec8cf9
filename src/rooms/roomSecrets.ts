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

import type { RoomsServerCredentials } from "./roomModel";

const CREDENTIALS = "softphone.roomsServerCredentials.";

/** The rooms server's API secret and admin key, in SecretStorage keyed by server URL. */
export class RoomsServerSecrets {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(server: string): Promise<RoomsServerCredentials> {
    const raw = await this.secrets.get(CREDENTIALS + server);
    if (!raw) return {};
    try {
      const parsed = JSON.parse(raw) as RoomsServerCredentials;
      return {
        ...(typeof parsed.apiSecret === "string" && parsed.apiSecret ? { apiSecret: parsed.apiSecret } : {}),
        ...(typeof parsed.adminKey === "string" && parsed.adminKey ? { adminKey: parsed.adminKey } : {}),
      };
    } catch {
      return {};
    }
  }

  async set(server: string, credentials: RoomsServerCredentials): Promise<void> {
    if (!credentials.apiSecret && !credentials.adminKey) await this.secrets.delete(CREDENTIALS + server);
    else await this.secrets.store(CREDENTIALS + server, JSON.stringify(credentials));
  }
}
