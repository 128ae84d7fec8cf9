// The call window's local devices: one capture per kind (microphone, camera), shared by every
// media session. Each session gets its own clone of the captured track: muting (enabled) or
// ending a session (stop) touches that session only, never the capture or another session.
//
// The microphone stays open while the window is up, so a call does not wait for getUserMedia.
// The camera opens when a session first wants it and closes when no session holds a clone
// (the camera light goes off with "camera off" and at the end of the last video call).

export type CaptureKind = "audio" | "video";

const NAMES: Record<CaptureKind, string> = { audio: "microphone", video: "camera" };

/** What we ask the browser for; the page may add a device id. */
function constraintsFor(kind: CaptureKind, deviceId: string | undefined): MediaStreamConstraints {
  const device = deviceId ? { deviceId: { exact: deviceId } } : {};
  return kind === "audio"
    ? { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...device }, video: false }
    : { audio: false, video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 }, ...device } };
}

export class SharedCapture {
  private capture: MediaStreamTrack | undefined;
  private opening: Promise<MediaStreamTrack> | undefined;
  /** Bumped by release(): a capture that finishes opening after it is stopped at once. */
  private generation = 0;
  /** Clones handed out and not yet given back (see drop). */
  private readonly clones = new Set<MediaStreamTrack>();

  constructor(
    readonly kind: CaptureKind,
    private readonly options: {
      /** The capture ended by itself (device unplugged, access revoked). */
      onEnded?: () => void;
      /** Close the capture when the last clone is dropped (the camera). */
      closeWhenUnused?: boolean;
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

  private async openCapture(): Promise<MediaStreamTrack> {
    const generation = this.generation;
    const name = NAMES[this.kind];
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraintsFor(this.kind, undefined));
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
