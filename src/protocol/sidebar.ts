// Host ↔ sidebar webview protocol (over VS Code's postMessage). The sidebar is UI only: it
// shows state the host pushes and sends user intents back. It never holds call state itself,
// so hiding, re-showing or reloading it loses nothing: it asks for a sync when it starts.
import type { CallAction } from "./callActions";
import type { AccountView, CallView, HistoryEntry } from "./model";
import type { Mirror } from "./rpc";

export interface SidebarState {
  accounts: AccountView[];
  calls: CallView[];
  history: HistoryEntry[];
  recentTargets: string[];
  callWindowConnected: boolean;
  /** Problems with the settings, one sentence each. */
  configErrors: string[];
}

export interface HostToSidebar {
  requests: Record<never, never>;
  notes: {
    "state.sync": SidebarState;
    /** Show a transient message in the view (e.g. why a dial string was refused). */
    "toast": { level: "info" | "error"; message: string };
  };
}

export interface SidebarToHost {
  requests: {
    "sidebar.ready": { params: Record<string, never>; result: SidebarState };
    "call.dial": { params: { target: string; accountId?: string }; result: { callId?: string; error?: string } };
  };
  notes: {
    /** Answer, decline, hang up, mute, hold, DTMF… (the one action table). */
    "call.action": CallAction;
    "history.redial": { entryId: string };
    "history.clear": Record<string, never>;
    "callWindow.open": Record<string, never>;
    "account.actions": { accountId: string };
    "account.add": Record<string, never>;
  };
}

export type HostSidebarChannel = {
  inRequests: SidebarToHost["requests"];
  inNotes: SidebarToHost["notes"];
  outRequests: HostToSidebar["requests"];
  outNotes: HostToSidebar["notes"];
};

export type SidebarHostChannel = Mirror<HostSidebarChannel>;
