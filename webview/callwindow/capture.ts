// The call window's local devices: one capture per kind (microphone, camera), shared by every
// media session. Each session gets its own clone of the captured track: muting (enabled) or
// ending a session (stop) touches that session only, never the capture or another session.
//
// The microphone stays open while the window is up, so a call does not wait for getUserMedia.
// The camera opens when a session first wants it and closes when no session holds a clone
// (the camera light goes off with "camera off" and at the end of the last video call).

export type CaptureKind = "audio" | "video";

const NAMES: Record<CaptureKind, string> = { audio: "microphone", video: "camera" };

/** The device (undefined: the browser's default) and, for microphones, their processing. */
export interface CaptureSettings {
  deviceId?: string;
  processing?: { echoCancellation: boolean; noiseSuppression: boolean; autoGainControl: boolean };
}

/** What we ask the browser for. */
function constraintsFor(kind: CaptureKind, settings: CaptureSettings): MediaStreamConstraints {
  const device = settings.deviceId ? { deviceId: { exact: settings.deviceId } } : {};
  const processing = settings.processing ?? { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  return kind === "audio"
    ? { audio: { ...processing, ...device }, video: false }
    : { audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 }, ...device } };
}

export class SharedCapture {
  private capture: MediaStreamTrack | undefined;
  private opening: Promise<MediaStreamTrack> | undefined;
  /** Bumped by release(): a capture that finishes opening after it is stopped at once. */
  private generation = 0;
  /** Clones handed out and not yet given back (see drop). */
  private readonly clones = new Set<MediaStreamTrack>();
  private settings: CaptureSettings = {};
  /** Told after the capture moved to another device: each session swaps its clone. */
  private readonly switchListeners = new Set<() => Promise<void>>();

  constructor(
    readonly kind: CaptureKind,
    private readonly options: {
      /** The capture ended by itself (device unplugged, access revoked). */
      onEnded?: () => void;
      /** Close the capture when the last clone is dropped (the camera). */
      closeWhenUnused?: boolean;
      /** The chosen device could not be opened (gone): the default was opened instead. */
      onDeviceMissing?: (deviceId: string) => void;
    } = {},
  ) {}

  /** A new track for one session, fed by the shared capture (opened if needed). Give it back with drop(). */
  async track(): Promise<MediaStreamTrack> {
    const clone = (await this.source()).clone();
    this.clones.add(clone);
    return clone;
  }

  /** A session is done with its clone. */
  drop(track: MediaStreamTrack | undefined): void {
    if (!track) return;
    track.stop();
    this.clones.delete(track);
    if (this.options.closeWhenUnused && this.clones.size === 0) this.release();
  }

  /** Open the capture ahead of the first session. Rejects with the same messages as track(). */
  async open(): Promise<void> {
    await this.source();
  }

  /** Whether the shared capture is open (for the page's debug hook and tests). */
  get live(): boolean {
    return this.capture?.readyState === "live";
  }

  /** The open capture's device label (for the page's debug hook and tests). */
  get label(): string | undefined {
    return this.capture?.readyState === "live" ? this.capture.label : undefined;
  }

  /** What the open capture really applies (device, echo cancellation, …), for tests. */
  get settingsInUse(): MediaTrackSettings | undefined {
    return this.capture?.readyState === "live" ? this.capture.getSettings() : undefined;
  }

  /** The device id the open capture really uses (the default resolves to a real one). */
  get deviceId(): string | undefined {
    return this.capture?.readyState === "live" ? this.capture.getSettings().deviceId : undefined;
  }

  /** Run `listener` after every device switch; returns the unsubscribe. */
  onSwitch(listener: () => Promise<void>): () => void {
    this.switchListeners.add(listener);
    return () => this.switchListeners.delete(listener);
  }

  /**
   * Capture from another device (or with other processing) from now on. An open capture is
   * reopened at once and every session swaps its clone (RTCRtpSender.replaceTrack: nothing is
   * renegotiated); a closed one opens with these settings next time.
   */
  async use(settings: CaptureSettings): Promise<void> {
    if (JSON.stringify(settings) === JSON.stringify(this.settings)) return;
    this.settings = settings;
    const old = this.capture;
    if (!old && !this.opening) return;
    await this.opening?.catch(() => undefined);
    const previous = this.capture;
    this.capture = undefined;
    try {
      await this.source();
    } catch (err) {
      this.capture = previous?.readyState === "live" ? previous : undefined; // keep what works
      throw err;
    }
    previous?.stop();
    for (const listener of [...this.switchListeners]) await listener().catch(() => undefined);
  }

  /** Stop the shared capture. Clones already handed out are their sessions' to stop. */
  release(): void {
    this.generation++;
    this.capture?.stop();
    this.capture = undefined;
  }

  private source(): Promise<MediaStreamTrack> {
    if (this.capture?.readyState === "live") return Promise.resolve(this.capture);
    this.capture = undefined; // ended (device unplugged, permission revoked): open it again
    this.opening ??= this.openCapture().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** getUserMedia with our settings; a chosen device that is gone gives way to the default. */
  private async getUserMedia(): Promise<MediaStream> {
    try {
      return await navigator.mediaDevices.getUserMedia(constraintsFor(this.kind, this.settings));
    } catch (err) {
      const missing = this.settings.deviceId;
      const name = (err as DOMException)?.name;
      if (!missing || (name !== "OverconstrainedError" && name !== "NotFoundError" && name !== "NotReadableError")) throw err;
      this.settings = { ...this.settings, deviceId: undefined };
      const stream = await navigator.mediaDevices.getUserMedia(constraintsFor(this.kind, this.settings));
      this.options.onDeviceMissing?.(missing);
      return stream;
    }
  }

  private async openCapture(): Promise<MediaStreamTrack> {
    const generation = this.generation;
    const name = NAMES[this.kind];
    let stream: MediaStream;
    try {
      stream = await this.getUserMedia();
    } catch (err) {
      const error = (err as DOMException)?.name;
      if (error === "NotAllowedError") throw new Error(`${name} access was denied — allow it for this page and try again`);
      if (error === "NotFoundError") throw new Error(`no ${name} found`);
      throw new Error(`cannot open the ${name}: ${(err as Error)?.message ?? err}`);
    }
    const track = this.kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    for (const extra of stream.getTracks()) if (extra !== track) extra.stop();
    if (!track) throw new Error(`no ${name} found`);
    if (generation !== this.generation) {
      track.stop();
      throw new Error(`the ${name} was released: the call window is closing`);
    }
    this.capture = track;
    track.addEventListener("ended", () => {
      if (this.capture !== track) return;
      this.capture = undefined;
      this.options.onEnded?.();
    });
    return track;
  }
}
