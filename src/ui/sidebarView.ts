// The "Softphone" sidebar view: a Svelte webview that shows accounts, a dial box, calls and
// history. It is UI only: state lives in the host and is pushed on every change (SidebarPublisher
// decides when); the view asks for a full sync whenever it (re)loads, so hiding, showing or
// reloading it loses nothing.
import * as vscode from "vscode";
import type { RoomPage } from "../rooms/roomListing";
import { randomBytes } from "node:crypto";
import { RpcEndpoint, type Envelope } from "../protocol/rpc";
import type { HostSidebarChannel, SidebarPatch, SidebarState } from "../protocol/sidebar";
import type { MessageView } from "../protocol/model";
import type { SidebarNoteHandlers } from "./sidebarController";
import { messageOf } from "../util/text";

export const SIDEBAR_VIEW_ID = "softphone.sidebar";

export interface SidebarHandlers {
  state(): Promise<SidebarState>;
  /** Ask for a push (the view became visible again and may have missed some). */
  refresh(): void;
  dial(target: string, accountId?: string, video?: boolean): Promise<string>;
  sendRoomMessage(text: string, to?: string): Promise<void>;
  listRooms(kind: "all" | "video" | "audio", page: number): Promise<RoomPage>;
  conversation(accountId: string, peer: string): Promise<MessageView[]>;
  sendMessage(accountId: string, peer: string, text: string): Promise<void>;
  notes: SidebarNoteHandlers;
}

export class SidebarViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private rpc: RpcEndpoint<HostSidebarChannel> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private handlers: SidebarHandlers,
  ) {}

  /** Serve another phone from now on (this window took the phone over, or linked to another owner). */
  use(handlers: SidebarHandlers): void {
    this.handlers = handlers;
    handlers.refresh();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, "sidebar.js"));
    webview.html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource} 'unsafe-inline'; img-src ${webview.cspSource} data:;">
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><div id="app"></div><script nonce="${nonce}" src="${script}"></script></body></html>`;

    const rpc = new RpcEndpoint<HostSidebarChannel>((e: Envelope) => void webview.postMessage(e));
    this.rpc = rpc;
    rpc.handle("sidebar.ready", () => this.handlers.state());
    rpc.handle("call.dial", async ({ target, accountId, video }) => {
      try {
        return { callId: await this.handlers.dial(String(target ?? ""), typeof accountId === "string" ? accountId : undefined, video === true) };
      } catch (err) {
        return { error: messageOf(err) };
      }
    });
    rpc.handle("messages.conversation", ({ accountId, peer }) => this.handlers.conversation(String(accountId ?? ""), String(peer ?? "")));
    rpc.handle("messages.send", async ({ accountId, peer, text }) => {
      try {
        await this.handlers.sendMessage(String(accountId ?? ""), String(peer ?? ""), String(text ?? ""));
        return {};
      } catch (err) {
        return { error: messageOf(err) };
      }
    });
    rpc.handle("room.send", async ({ text, to }) => {
      try {
        await this.handlers.sendRoomMessage(String(text ?? ""), typeof to === "string" ? to : undefined);
        return {};
      } catch (err) {
        return { error: messageOf(err) };
      }
    });
    rpc.handle("rooms.list", async ({ kind, page }) => {
      try {
        return { page: await this.handlers.listRooms(kind === "video" || kind === "audio" ? kind : "all", typeof page === "number" ? page : 1) };
      } catch (err) {
        return { error: messageOf(err) };
      }
    });
    // Each note goes to the handlers of the moment (see use()), not those of when the view opened.
    const notes = Object.fromEntries(
      Object.keys(this.handlers.notes).map((name) => [name, (params: unknown) => (this.handlers.notes as Record<string, (p: unknown) => void>)[name](params)]),
    ) as SidebarNoteHandlers;
    rpc.onNotes(notes);
    if (this.unread) this.showUnread(this.unread);
    const sub = webview.onDidReceiveMessage((m) => rpc.receive(m));
    view.onDidDispose(() => {
      sub.dispose();
      rpc.dispose("view closed");
      if (this.rpc === rpc) this.rpc = undefined;
      this.view = undefined;
    });
    // A view that was hidden missed pushes; bring it up to date when it shows again.
    view.onDidChangeVisibility(() => view.visible && this.handlers.refresh());
  }

  /** Whether the view is on screen (a new message raises a notification only when it is not). */
  get visible(): boolean {
    return !!this.view?.visible;
  }

  /** Whether a visible view is there to receive pushes (see SidebarPublisher). */
  get ready(): boolean {
    return !!this.rpc && !!this.view?.visible;
  }

  /** Send the view its state (SidebarPublisher decides when). */
  send(state: SidebarState): void {
    this.rpc?.notify("state.sync", state);
  }

  /** Send the view the parts that changed. */
  patch(patch: SidebarPatch): void {
    this.rpc?.notify("state.patch", patch);
  }

  private unread = 0;

  /** The view's badge (and the activity bar's): unread room chat messages. */
  showUnread(count: number): void {
    this.unread = count;
    if (this.view) this.view.badge = count > 0 ? { value: count, tooltip: `${count} unread message${count === 1 ? "" : "s"} in the room's chat` } : undefined;
  }

  toast(level: "info" | "error", message: string): void {
    this.rpc?.notify("toast", { level, message });
  }

  dispose(): void {
    this.rpc?.dispose();
  }
}
