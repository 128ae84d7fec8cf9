// The user's microphone, speaker and camera: what the call window reports it has (untrusted
// page input, checked here) and what the user chose (kept by the host, so the choice survives
// the browser's profile and the call window's origin). No vscode import: the extension gives
// it a store (globalState); tests and the demo keep it in memory.
import { DEVICE_KINDS, type DeviceChoices, type DeviceInfo, type DeviceKind } from "../protocol/callWindow";
import { safeUiText } from "../calls/remoteParty";


export interface DeviceChoiceStore {
  load(): DeviceChoices | undefined;
  save(choices: DeviceChoices): void | Promise<void>;
}

/** A store that forgets on restart (tests, and hosts without a place to keep it). */
export function memoryDeviceStore(initial: DeviceChoices = {}): DeviceChoiceStore {
  let kept = initial;
  return { load: () => kept, save: (c) => void (kept = c) };
}

const MAX_DEVICES = 64;
const MAX_ID = 256;

export function isDeviceKind(v: unknown): v is DeviceKind {
  return typeof v === "string" && (DEVICE_KINDS as readonly string[]).includes(v);
}

/** One device from the page, or undefined when it is malformed. Labels are shown in pickers: cleaned. */
export function parseDevice(raw: unknown): DeviceInfo | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const { kind, deviceId, label } = raw as Record<string, unknown>;
  if (!isDeviceKind(kind) || typeof deviceId !== "string" || deviceId.length > MAX_ID || typeof label !== "string") return undefined;
  return { kind, deviceId, label: safeUiText(label).slice(0, 200) };
}

export function parseDeviceList(raw: unknown): DeviceInfo[] {
  return Array.isArray(raw) ? raw.slice(0, MAX_DEVICES).map(parseDevice).filter((d): d is DeviceInfo => !!d) : [];
}

/** Stored choices, dropping whatever a broken or older store holds that is not a choice. */
export function sanitizeChoices(raw: unknown): DeviceChoices {
  const out: DeviceChoices = {};
  if (!raw || typeof raw !== "object") return out;
  for (const kind of DEVICE_KINDS) {
    const c = (raw as Record<string, unknown>)[kind] as Record<string, unknown> | undefined;
    if (c && typeof c.deviceId === "string" && c.deviceId.length <= MAX_ID && typeof c.label === "string") {
      out[kind] = { deviceId: c.deviceId, label: c.label.slice(0, 200) };
    }
  }
  return out;
}
