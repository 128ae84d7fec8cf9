// What each call action does, and the check every action passes before it runs: actions also
// arrive from the sidebar and the call window, whose messages are validated, not trusted.
import type { CallAction, CallActionName, CallActionParams } from "../protocol/callActions";
import { quoteForMessage } from "../util/text";
import type { CallManager } from "./callManager";

type Fields = Record<string, unknown>;

interface ActionSpec<K extends CallActionName> {
  /** The action's own parameters from an untrusted message; throws saying what is wrong. */
  params(raw: Fields): CallActionParams[K];
  run(calls: CallManager, callId: string | undefined, params: CallActionParams[K]): Promise<void> | void;
}

const ACTIONS: { [K in CallActionName]: ActionSpec<K> } = {
  answer: { params: (raw) => optionalFlag(raw, "video"), run: (calls, id, p) => calls.answer(id, p) },
  decline: { params: () => ({}), run: (calls, id) => calls.decline(id) },
  hangup: { params: () => ({}), run: (calls, id) => calls.hangup(id) },
  mute: { params: (raw) => ({ muted: flag(raw, "muted") }), run: (calls, id, p) => calls.setMuted(id, p.muted) },
  hold: { params: (raw) => ({ held: flag(raw, "held") }), run: (calls, id, p) => calls.setHeld(id, p.held) },
  dtmf: { params: (raw) => ({ tones: text(raw, "tones") }), run: (calls, id, p) => calls.sendDtmf(id, p.tones) },
  video: { params: (raw) => ({ on: flag(raw, "on") }), run: (calls, id, p) => calls.setVideo(id, p.on) },
  camera: { params: (raw) => ({ off: flag(raw, "off") }), run: (calls, id, p) => calls.setCameraOff(id, p.off) },
  record: { params: (raw) => ({ on: flag(raw, "on") }), run: (calls, id, p) => calls.setRecording(id, p.on) },
  conference: { params: conferenceParams, run: (calls, id, p) => calls.setConference(id, p.on, p.with) },
  transfer: {
    params: transferParams,
    run: async (calls, id, p) => {
      const target = p.toCallId !== undefined ? { callId: p.toCallId } : p.voicemailOf !== undefined ? { voicemailOf: p.voicemailOf } : p.to!;
      await calls.transfer(id, target, { noAnswerTimeoutMs: p.noAnswerTimeoutMs });
    },
  },
};

export const CALL_ACTION_NAMES = Object.keys(ACTIONS) as CallActionName[];

/** A well-formed CallAction from an untrusted message, or an Error saying what is wrong. */
export function parseCallAction(raw: unknown): CallAction {
  return prepare(raw).action;
}

/** Checks and runs one action. */
export async function runCallAction(calls: CallManager, raw: unknown): Promise<void> {
  await prepare(raw).run(calls);
}

interface Prepared {
  action: CallAction;
  run(calls: CallManager): Promise<void> | void;
}

function prepare(raw: unknown): Prepared {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("a call action must be an object");
  const fields = raw as Fields;
  const name = own(fields, "action");
  if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(ACTIONS, name)) {
    throw new Error(`unknown call action ${quoteForMessage(String(name), 40)}`);
  }
  const callId = own(fields, "callId");
  if (callId !== undefined && typeof callId !== "string") throw new Error(`${name}: callId must be a string`);
  return prepareNamed(name as CallActionName, fields, callId);
}

/** Typed per action, so each handler gets exactly its own parameters. */
function prepareNamed<K extends CallActionName>(name: K, fields: Fields, callId: string | undefined): Prepared {
  const spec: ActionSpec<K> = ACTIONS[name];
  const params = spec.params(fields);
  const action = { action: name, ...(callId !== undefined ? { callId } : {}), ...params } as CallAction;
  return { action, run: (calls) => spec.run(calls, callId, params) };
}

function own(fields: Fields, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
}

function flag(fields: Fields, key: string): boolean {
  const v = own(fields, key);
  if (typeof v !== "boolean") throw new Error(`${String(fields.action)}: ${key} must be true or false`);
  return v;
}

/** `{ [key]: boolean }` when the field is there, `{}` when it is not; anything else is an error. */
function optionalFlag<K extends string>(fields: Fields, key: K): { [P in K]?: boolean } {
  return own(fields, key) === undefined ? {} : ({ [key]: flag(fields, key) } as { [P in K]?: boolean });
}

/** Exactly one target; a no-answer limit, when given, between 1 s and 10 min. */
function transferParams(raw: Fields): CallActionParams["transfer"] {
  const out: CallActionParams["transfer"] = {};
  for (const key of ["to", "toCallId", "voicemailOf"] as const) if (own(raw, key) !== undefined) out[key] = text(raw, key);
  const targets = [out.to, out.toCallId, out.voicemailOf].filter((v) => v !== undefined).length;
  if (targets !== 1) throw new Error("transfer: give exactly one of to, toCallId or voicemailOf");
  const limit = own(raw, "noAnswerTimeoutMs");
  if (limit !== undefined) {
    if (typeof limit !== "number" || !Number.isFinite(limit) || limit < 1000 || limit > 600000) throw new Error("transfer: noAnswerTimeoutMs must be a number of milliseconds from 1000 to 600000");
    out.noAnswerTimeoutMs = limit;
  }
  return out;
}

function text(fields: Fields, key: string): string {
  const v = own(fields, key);
  if (typeof v !== "string") throw new Error(`${String(fields.action)}: ${key} must be text`);
  return v;
}

function conferenceParams(raw: Fields): CallActionParams["conference"] {
  const on = flag(raw, "on");
  const others = own(raw, "with");
  if (others === undefined) return { on };
  if (!Array.isArray(others) || others.length === 0 || others.length > 8 || !others.every((id) => typeof id === "string")) {
    throw new Error("conference: with must be a list of up to 8 call ids");
  }
  return { on, with: others as string[] };
}
