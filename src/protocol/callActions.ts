// Every action a person can take on a call, with its parameters: one table that the commands,
// the sidebar, the call window and the public API all send (see src/calls/callActions.ts for
// what each does). A new action is its entry here, its handler there, and its buttons.
// No imports: the webview bundles include this file.

export interface CallActionParams {
  /** With `video: true` our camera is sent too; otherwise the camera stays off. */
  answer: { video?: boolean };
  decline: Record<never, never>;
  hangup: Record<never, never>;
  mute: { muted: boolean };
  hold: { held: boolean };
  dtmf: { tones: string };
  /** Add (camera on) or remove video, by re-INVITE. */
  video: { on: boolean };
  /** Video mute: camera frames stop, no renegotiation. */
  camera: { off: boolean };
  /** Start or stop recording the call (both directions, one file). */
  record: { on: boolean };
  /**
   * `on`: merge this call with `with` (other calls' ids; default every call in progress) into a
   * local conference, held ones resumed. Off: split it again — this call goes on, the others
   * are put on hold.
   */
  conference: { on: boolean; with?: string[] };
  /**
   * Transfer the call: exactly one of `to` (blind, a dial string), `toCallId` (attended, to
   * another call in progress) or `voicemailOf` (a user's voicemail). `noAnswerTimeoutMs` fails
   * a transfer whose target does not answer in time.
   */
  transfer: { to?: string; toCallId?: string; voicemailOf?: string; noAnswerTimeoutMs?: number };
}

export type CallActionName = keyof CallActionParams;

/** One action; without `callId` it acts on the call a person would mean (ringing, else newest). */
export type CallAction = { [K in CallActionName]: { action: K; callId?: string } & CallActionParams[K] }[CallActionName];
