// The settings the core reads while it runs (src/accounts/accountSettings.ts reads them from
// VS Code; tests pass them directly). Here, not in softphone.ts, so that settings readers need
// not import the core.
export interface SoftphoneSettings {
  defaultAccountId?: string;
  sipTrace: boolean;
  dtmfMode: "rfc4733" | "info";
  ringTimeoutMs?: number;
  registerExpires?: number;
  /** Record every call from its answer. */
  recordAllCalls?: boolean;
  /** Where recordings go (absolute path); empty: the extension's storage. */
  recordingFolder?: string;
  /** Incoming calls are refused with 486 and recorded as missed. */
  doNotDisturb?: boolean;
  /** The rooms server: Janus's WebSocket URL (softphone.rooms.server); absent: no rooms. */
  roomsServer?: string;
  /** Ask the user before following the other party's REFER (softphone.transfer.askFirst). */
  askBeforeTransfer?: boolean;
}
