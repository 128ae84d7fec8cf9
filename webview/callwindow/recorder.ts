// Recording one media session: both directions mixed into one stereo stream — our microphone
// (as sent: silence while muted) on the left, the far end on the right — encoded by the
// browser's MediaRecorder (WebM/Opus, which plays everywhere) and handed to the host a second at
// a time; the host writes the file. Stopping (or the call ending) sends the last piece.

const MIME = "audio/webm;codecs=opus";
const SLICE_MS = 1000;

export class SessionRecorder {
  private readonly ctx = new AudioContext();
  private readonly merger: ChannelMergerNode;
  private readonly recorder: MediaRecorder;
  private local: MediaStreamAudioSourceNode | undefined;
  private seq = 0;
  private stopped = false;
  /** Pieces are read from Blobs asynchronously: send them in order all the same. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    localTrack: MediaStreamTrack | undefined,
    remote: MediaStream,
    private readonly send: (piece: { seq: number; data: string; final: boolean; mimeType: string }) => void,
  ) {
    this.merger = this.ctx.createChannelMerger(2);
    const out = this.ctx.createMediaStreamDestination();
    out.channelCount = 2;
    this.merger.connect(out);
    this.useLocal(localTrack);
    if (remote.getAudioTracks().length) this.ctx.createMediaStreamSource(remote).connect(this.merger, 0, 1);
    void this.ctx.resume().catch(() => undefined);
    this.recorder = new MediaRecorder(out.stream, MediaRecorder.isTypeSupported(MIME) ? { mimeType: MIME } : undefined);
    this.recorder.ondataavailable = (e) => this.queue(e.data, false);
    this.recorder.onstop = () => {
      this.queue(new Blob([]), true);
      void this.sending.then(() => this.ctx.close()).catch(() => undefined);
    };
    this.recorder.start(SLICE_MS);
  }

  /** Our side is a new track (a microphone switch gave the session a new clone). */
  useLocal(track: MediaStreamTrack | undefined): void {
    this.local?.disconnect();
    this.local = track ? this.ctx.createMediaStreamSource(new MediaStream([track])) : undefined;
    this.local?.connect(this.merger, 0, 0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.recorder.state !== "inactive") this.recorder.stop();
  }

  private queue(blob: Blob, final: boolean): void {
    const seq = this.seq++;
    const mimeType = this.recorder.mimeType || MIME;
    this.sending = this.sending.then(async () => this.send({ seq, data: toBase64(new Uint8Array(await blob.arrayBuffer())), final, mimeType }));
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
