// How the core's live objects read from outside: the public state (API, `softphone.getState`)
// and the accounts as the status bar and sidebar show them. Pure projections, no behaviour.
import type { AccountView, CallView, DialInCallerView, RoomStateView, SoftphoneState } from "./protocol/model";
import type { SipAccount } from "./sip/sipAccount";

export function accountViews(accounts: SipAccount[], defaultAccount: SipAccount | undefined): AccountView[] {
  return accounts.map((a) => ({
    id: a.id,
    label: a.config.label,
    uri: a.config.uri,
    state: a.state,
    reason: a.reason,
    retryAt: a.retryAt,
    isDefault: a === defaultAccount,
  }));
}

export function publicState(parts: { accounts: SipAccount[]; calls: CallView[]; callWindowConnected: boolean; settingsErrors: string[]; room?: RoomStateView; dialIns?: DialInCallerView[]; presence?: SoftphoneState["presence"] }): SoftphoneState {
  return {
    accounts: parts.accounts.map((a) => {
      const entry: SoftphoneState["accounts"][number] = { id: a.id, state: a.state };
      if (a.reason) {
        entry.reason = a.reason.kind;
        entry.reasonText = a.reason.message;
        if (a.reason.statusCode !== undefined) entry.statusCode = a.reason.statusCode;
      }
      return entry;
    }),
    calls: parts.calls.map((c) => {
      const { remote, reasonText: _t, ...rest } = c;
      return { ...rest, remote: remote.uri, ...(remote.displayName ? { remoteName: remote.displayName } : {}) };
    }),
    callWindow: { connected: parts.callWindowConnected },
    settingsErrors: [...parts.settingsErrors],
    ...(parts.room ? { room: parts.room } : {}),
    ...(parts.dialIns?.length ? { dialIns: parts.dialIns } : {}),
    ...(parts.presence ? { presence: parts.presence } : {}),
  };
}
