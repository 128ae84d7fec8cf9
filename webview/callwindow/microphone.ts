// The call window's microphone: one capture, opened once and kept while the window is up, so a
// call does not wait for getUserMedia. Every call gets its own clone of the captured track:
// muting (track.enabled) or ending a call (track.stop) touches that call only, never the
// capture or another call. release() stops the capture (the window is closing or stands down).

const CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: false,
};

export class Microphone {
  private capture: MediaStreamTrack | undefined;
  private opening: Promise<MediaStreamTrack> | undefined;
  /** Bumped by release(): a capture that finishes opening after it is stopped at once. */
  private generation = 0;

  /** `onEnded`: the capture ended by itself (device unplugged, access revoked). */
  constructor(private readonly onEnded?: () => void) {}

  /** A new track for one call, fed by the shared capture (opened if needed). */
  async track(): Promise<MediaStreamTrack> {
    return (await this.source()).clone();
  }

  /** Open the capture ahead of the first call. Rejects with the same messages as track(). */
  async open(): Promise<void> {
    await this.source();
  }

  /** Whether the shared capture is open (for the page's debug hook and tests). */
  get live(): boolean {
    return this.capture?.readyState === "live";
  }

  /** Stop the shared capture. Tracks already handed to calls are theirs to stop. */
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
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
    } catch (err) {
      const name = (err as DOMException)?.name;
      if (name === "NotAllowedError") throw new Error("microphone access was denied — allow it for this page and try again");
      if (name === "NotFoundError") throw new Error("no microphone found");
      throw new Error(`cannot open the microphone: ${(err as Error)?.message ?? err}`);
    }
    const track = stream.getAudioTracks()[0];
    if (!track) throw new Error("no microphone found");
    for (const extra of stream.getTracks()) if (extra !== track) extra.stop();
    if (generation !== this.generation) {
      track.stop();
      throw new Error("the microphone was released: the call window is closing");
    }
    this.capture = track;
    track.addEventListener("ended", () => {
      if (this.capture !== track) return;
      this.capture = undefined;
      this.onEnded?.();
    });
    return track;
  }
}
