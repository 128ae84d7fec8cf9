// What the page plays and watches of the far end, kept out of MediaSession (which holds the
// peer connection and its streams only): one hidden <audio> per session — the user hears it,
// and playing it is what makes Chromium compute inbound audio levels — on the chosen speaker.

export class RemotePlayback {
  private readonly audio: HTMLAudioElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };

  constructor(
    sessionId: string,
    stream: MediaStream,
    /** The browser blocked autoplay: the page asks the user for a click. */
    private readonly onBlocked: () => void,
  ) {
    this.audio = document.createElement("audio");
    this.audio.autoplay = true;
    this.audio.dataset.sessionId = sessionId;
    this.audio.srcObject = stream;
    document.body.appendChild(this.audio);
  }

  /** Start (or restart) playing; a blocked autoplay is reported, not thrown. */
  play(): void {
    this.audio.play().catch(() => this.onBlocked());
  }

  /** After a click: the user allowed playback. */
  resume(): Promise<void> {
    return this.audio.play();
  }

  /** Play through this output device ("" is the default). */
  async setSink(deviceId: string): Promise<void> {
    if (typeof this.audio.setSinkId === "function" && this.audio.sinkId !== deviceId) await this.audio.setSinkId(deviceId);
  }

  get sinkId(): string {
    return this.audio.sinkId ?? "";
  }

  dispose(): void {
    this.audio.pause();
    this.audio.srcObject = null;
    this.audio.remove();
  }
}

/**
 * Resolves with the moment (epoch ms) the track's first video frame is ready to paint: a
 * detached, muted <video> reports it through requestVideoFrameCallback, then lets go of the
 * track. Never resolves where requestVideoFrameCallback does not exist.
 */
export function whenFirstFrame(track: MediaStreamTrack): Promise<number> {
  return new Promise((resolve) => {
    const probe = document.createElement("video") as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => void };
    if (typeof probe.requestVideoFrameCallback !== "function") return;
    probe.muted = true;
    probe.srcObject = new MediaStream([track]);
    probe.requestVideoFrameCallback(() => {
      resolve(Date.now());
      probe.srcObject = null;
    });
    probe.play().catch(() => (probe.srcObject = null));
  });
}
