// Which microphone, camera and speaker the call window uses. The host keeps the user's choice
// (id + label); here it is found among the browser's devices — by id, else by label (ids change
// with the origin and when site data is cleared) — and applied: captures move to the device
// (sessions swap tracks, nothing is renegotiated), the speaker is set on every session's
// audio element. A chosen device that is not there gives way to the default, and the user is
// told once per choice.
import type { AudioProcessing, DeviceChoices, DeviceInfo, DeviceKind } from "../../src/protocol/callWindow";
import type { SharedCapture } from "./capture";

export interface DeviceHooks {
  /** The browser's devices and the ones in use (after every change). */
  list(devices: DeviceInfo[], inUse: Partial<Record<DeviceKind, string>>): void;
  fallback(kind: DeviceKind, wanted: string, using: string): void;
  /** Play calls through this output ("" is the default). */
  sink(deviceId: string): void;
}

export class DeviceChooser {
  private choices: DeviceChoices = {};
  private processing: AudioProcessing | undefined;
  private sinkId = "";
  /** Choices already reported missing (kind + id), so a notice is given once. */
  private readonly reported = new Set<string>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly microphone: SharedCapture,
    private readonly camera: SharedCapture,
    private readonly hooks: DeviceHooks,
  ) {}

  /** New choices or processing from the host. */
  apply(choices: DeviceChoices, processing: AudioProcessing): Promise<void> {
    this.choices = choices ?? {};
    this.processing = processing;
    return this.refresh();
  }

  /** Look again (a device came or went, or permission now gives labels). Runs one at a time. */
  refresh(): Promise<void> {
    this.running = this.running.then(() => this.resolveAll()).catch(() => undefined);
    return this.running;
  }

  /** A capture could not open its chosen device and took the default. */
  captureFellBack(kind: DeviceKind): void {
    const wanted = this.choices[kind];
    if (wanted) this.report(kind, wanted, "the default device");
  }

  private async resolveAll(): Promise<void> {
    const devices = await this.enumerate();
    // Without permission the browser hides labels (and ids): nothing can be matched yet.
    const known = devices.some((d) => d.label !== "");
    const pick = (kind: DeviceKind): string | undefined => {
      const wanted = this.choices[kind];
      if (!wanted || !known) return known ? undefined : wanted?.deviceId;
      const same = (d: DeviceInfo) => d.kind === kind;
      const found = devices.find((d) => same(d) && d.deviceId === wanted.deviceId) ?? (wanted.label ? devices.find((d) => same(d) && d.label === wanted.label) : undefined);
      if (found) {
        this.reported.delete(`${kind}:${wanted.deviceId}`);
        return found.deviceId;
      }
      const fallback = devices.find((d) => same(d) && d.deviceId === "default") ?? devices.find(same);
      this.report(kind, wanted, fallback?.label || "the default device");
      return undefined;
    };
    const mic = pick("audioinput");
    const cam = pick("videoinput");
    const out = pick("audiooutput") ?? "";
    await this.microphone.use({ deviceId: mic, processing: this.processing }).catch(() => undefined);
    await this.camera.use({ deviceId: cam }).catch(() => undefined);
    if (out !== this.sinkId) {
      this.sinkId = out;
      this.hooks.sink(out);
    }
    const inUse: Partial<Record<DeviceKind, string>> = { audiooutput: out || "default" };
    const micId = this.microphone.deviceId ?? mic;
    const camId = this.camera.deviceId ?? cam;
    if (micId) inUse.audioinput = micId;
    if (camId) inUse.videoinput = camId;
    this.hooks.list(devices, inUse);
  }

  private report(kind: DeviceKind, wanted: { deviceId: string; label: string }, using: string): void {
    const key = `${kind}:${wanted.deviceId}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.hooks.fallback(kind, wanted.label || wanted.deviceId, using);
  }

  private async enumerate(): Promise<DeviceInfo[]> {
    const list = await navigator.mediaDevices.enumerateDevices();
    return list
      .filter((d) => d.kind === "audioinput" || d.kind === "audiooutput" || d.kind === "videoinput")
      .map((d) => ({ kind: d.kind as DeviceKind, deviceId: d.deviceId, label: d.label }));
  }

  /** The speaker chosen now ("" is the default), for sessions created later. */
  get speaker(): string {
    return this.sinkId;
  }
}
