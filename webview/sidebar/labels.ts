// Pure view helpers for the sidebar: how accounts and history entries read, and which call the
// dialpad talks to. Call labels and durations come from ../shared/format.
import type { AccountView, CallView, HistoryEntry, HistoryOutcome, RegistrationState } from "../../src/protocol/model";

export const ACCOUNT_STATE: Record<RegistrationState, { icon: string; text: string }> = {
  registered: { icon: "●", text: "Registered" },
  registering: { icon: "◐", text: "Registering…" },
  failed: { icon: "✕", text: "Not registered" },
  unregistered: { icon: "○", text: "Offline" },
};

const OUTCOMES: Record<HistoryOutcome, string> = {
  answered: "Answered",
  missed: "Missed",
  declined: "Declined",
  busy: "Busy",
  failed: "Failed",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
};

/** "Busy (486)", "Answered", "In progress" (no outcome yet). */
export function outcomeLabel(entry: Pick<HistoryEntry, "outcome" | "status">): string {
  if (!entry.outcome) return "In progress";
  const text = OUTCOMES[entry.outcome] ?? entry.outcome;
  return entry.status && entry.status >= 300 ? `${text} (${entry.status})` : text;
}

export function isLive(call: CallView): boolean {
  return call.state !== "cleared";
}

/** The call that dialpad tones go to: an established call, preferring one that is not on hold. */
export function dtmfTarget(calls: CallView[]): CallView | undefined {
  const inCall = calls.filter((c) => c.state === "incall");
  return inCall.find((c) => !c.held) ?? inCall[0];
}

/** The account a dial goes out on when none is chosen. */
export function defaultAccount(accounts: AccountView[]): AccountView | undefined {
  return accounts.find((a) => a.isDefault) ?? accounts[0];
}
