// The sidebar's link to the extension host: a typed RpcEndpoint over VS Code's postMessage.
// The host is the source of truth: we ask for the full state on start (`sidebar.ready`),
// replace it on every `state.sync` and update the parts a `state.patch` carries. Nothing about calls is kept in the webview's own state;
// only the dial box's draft text is (harmless, and nice across reloads).
import { writable } from "svelte/store";
import { RpcEndpoint, type Envelope } from "../../src/protocol/rpc";
import type { MessageView } from "../../src/protocol/model";
import type { RoomPage } from "../../src/rooms/roomListing";
import { applySidebarPatch, type SidebarHostChannel, type SidebarPatch, type SidebarState, type SidebarToHost } from "../../src/protocol/sidebar";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export interface Toast {
  id: number;
  level: "info" | "error";
  message: string;
}

/** Undefined until the host answered `sidebar.ready`. */
export const sidebarState = writable<SidebarState | undefined>(undefined);
/** Set when the initial sync failed (the view offers a retry). */
export const loadError = writable<string | undefined>(undefined);
export const toasts = writable<Toast[]>([]);

const rpc = new RpcEndpoint<SidebarHostChannel>((e: Envelope) => vscode.postMessage(e));

const TOAST_MS = { info: 5000, error: 10000 } as const;
const MAX_TOASTS = 3;
let nextToastId = 1;

export function showToast(level: Toast["level"], message: string): void {
  const id = nextToastId++;
  toasts.update((list) => [...list, { id, level, message }].slice(-MAX_TOASTS));
  setTimeout(() => dismissToast(id), TOAST_MS[level] ?? TOAST_MS.info);
}

export function dismissToast(id: number): void {
  toasts.update((list) => list.filter((t) => t.id !== id));
}

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Tolerate a partial or malformed state rather than breaking the whole view. */
function normalize(raw: unknown): SidebarState {
  const s = (raw && typeof raw === "object" ? raw : {}) as Partial<SidebarState>;
  return {
    accounts: arr(s.accounts),
    calls: arr(s.calls),
    history: arr(s.history),
    recentTargets: arr<unknown>(s.recentTargets).filter((t): t is string => typeof t === "string"),
    callWindowConnected: !!s.callWindowConnected,
    configErrors: arr<unknown>(s.configErrors).map(String),
    conversations: arr(s.conversations),
    contacts: arr(s.contacts),
    roomsAvailable: s.roomsAvailable === true,
    room: s.room && typeof s.room === "object" ? s.room : null,
  };
}

function applyState(raw: unknown): void {
  sidebarState.set(normalize(raw));
  loadError.set(undefined);
}

/** Only the parts present; before the first full state there is nothing to patch (it is coming). */
function applyPatch(raw: unknown): void {
  if (!raw || typeof raw !== "object") return;
  const full = normalize(raw);
  const patch: SidebarPatch = {};
  for (const key of Object.keys(full) as Array<keyof SidebarState>) {
    if (Object.prototype.hasOwnProperty.call(raw, key)) (patch as Record<string, unknown>)[key] = full[key];
  }
  sidebarState.update((s) => (s ? applySidebarPatch(s, patch) : s));
}

rpc.on("state.sync", applyState);
rpc.on("state.patch", applyPatch);
rpc.on("toast", (p) => {
  if (p && typeof p.message === "string") showToast(p.level === "error" ? "error" : "info", p.message);
});

let listening = false;

/** Start listening to the host and ask it for the full state. Safe to call again to retry. */
export async function start(): Promise<void> {
  if (!listening) {
    listening = true;
    window.addEventListener("message", (e: MessageEvent) => rpc.receive(e.data));
  }
  loadError.set(undefined);
  try {
    // Replies and pushes arrive in the order the host sent them, so the last one to arrive wins.
    applyState(await rpc.request("sidebar.ready", {}));
  } catch (err) {
    loadError.set(err instanceof Error ? err.message : String(err));
  }
}

/** Dial; resolves to an error sentence when the host refused (never throws). */
export async function dial(target: string, accountId?: string, video?: boolean): Promise<{ callId?: string; error?: string }> {
  try {
    const res = await rpc.request("call.dial", { target, ...(accountId ? { accountId } : {}), ...(video ? { video } : {}) });
    return res && typeof res === "object" ? res : {};
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** One conversation's messages (an empty list when the host cannot say). */
export async function loadConversation(accountId: string, peer: string): Promise<MessageView[]> {
  try {
    const list = await rpc.request("messages.conversation", { accountId, peer });
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** A 1:1 message; resolves to an error sentence when refused (never throws). */
export async function sendMessage(accountId: string, peer: string, text: string): Promise<string | undefined> {
  try {
    return (await rpc.request("messages.send", { accountId, peer, text }))?.error;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A room chat message; resolves to an error sentence when refused (never throws). */
export async function sendRoomMessage(text: string, to?: string): Promise<string | undefined> {
  try {
    return (await rpc.request("room.send", to ? { text, to } : { text }))?.error;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** One page of the rooms on the server; `error` says why there is none (never throws). */
export async function listRooms(kind: "all" | "video" | "audio", page: number): Promise<{ page?: RoomPage; error?: string }> {
  try {
    return (await rpc.request("rooms.list", { kind, page })) ?? { error: "no answer" };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Fire-and-forget intents; the host answers by pushing a new state (or a toast on error). */
export function send<K extends keyof SidebarToHost["notes"] & string>(method: K, params: SidebarToHost["notes"][K]): void {
  rpc.notify(method, params);
}

// The dial box's draft survives reloads of the view (it is the only thing we keep locally).
export function loadDraft(): string {
  const s = vscode.getState() as { draft?: unknown } | undefined;
  return s && typeof s.draft === "string" ? s.draft : "";
}

export function saveDraft(draft: string): void {
  vscode.setState({ draft });
}
