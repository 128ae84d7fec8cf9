// "Softphone: Test Audio and Video": before any call, the user checks the chosen devices — a
// level meter on the microphone, a tone on the chosen speaker, the camera's preview. It holds
// its own clones of the shared captures and gives them back when the test is closed.
import { writable } from "svelte/store";
import type { SharedCapture } from "./capture";

export interface DeviceTestState {
  open: boolean;
  /** 0..1: the microphone's RMS level over the last ~100 ms. */
  micLevel: number;
  preview: MediaStream | undefined;
  error?: string;
  /** A tone is playing on the chosen speaker. */
  tonePlaying: boolean;
}

export class DeviceTest {
  readonly state = writable<DeviceTestState>({ open: false, micLevel: 0, preview: undefined, tonePlaying: false });
  private mic: MediaStreamTrack | undefined;
  private cam: MediaStreamTrack | undefined;
  private ctx: AudioContext | undefined;
  private meter: ReturnType<typeof setInterval> | undefined;
  private toneAudio: HTMLAudioElement | undefined;
  /** The last level measured (for the page's debug hook and tests). */
  level = 0;

  constructor(
    private readonly microphone: SharedCapture,
    private readonly camera: SharedCapture,
    private readonly speaker: () => string,
  ) {}

  async start(): Promise<void> {
    if (this.mic || this.cam) return;
    this.state.set({ open: true, micLevel: 0, preview: undefined, tonePlaying: false });
    const errors: string[] = [];
    try {
      this.mic = await this.microphone.track();
      this.meterOn(this.mic);
    } catch (err) {
      errors.push((err as Error).message);
    }
    let preview: MediaStream | undefined;
    try {
      this.cam = await this.camera.track();
      preview = new MediaStream([this.cam]);
    } catch (err) {
      errors.push((err as Error).message);
    }
    this.state.update((s) => ({ ...s, preview, ...(errors.length ? { error: errors.join("; ") } : {}) }));
  }

  /** A 1 s, 440 Hz tone on the chosen speaker (HTMLMediaElement.setSinkId). */
  async playTone(): Promise<void> {
    const ctx = (this.ctx ??= new AudioContext());
    const dest = ctx.createMediaStreamDestination();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    gain.gain.value = 0.2;
    osc.frequency.value = 440;
    osc.connect(gain).connect(dest);
    const audio = (this.toneAudio ??= document.createElement("audio")) as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    audio.srcObject = dest.stream;
    if (typeof audio.setSinkId === "function") await audio.setSinkId(this.speaker());
    await ctx.resume();
    osc.start();
    osc.stop(ctx.currentTime + 1);
    this.state.update((s) => ({ ...s, tonePlaying: true }));
    osc.addEventListener("ended", () => this.state.update((s) => ({ ...s, tonePlaying: false })));
    await audio.play();
  }

  /** The speaker the test tone plays on ("" is the default), for tests. */
  get toneSink(): string | undefined {
    return (this.toneAudio as (HTMLAudioElement & { sinkId?: string }) | undefined)?.sinkId;
  }

  stop(): void {
    clearInterval(this.meter);
    this.meter = undefined;
    this.microphone.drop(this.mic);
    this.camera.drop(this.cam);
    this.mic = this.cam = undefined;
    this.toneAudio?.pause();
    if (this.toneAudio) this.toneAudio.srcObject = null;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
    this.level = 0;
    this.state.set({ open: false, micLevel: 0, preview: undefined, tonePlaying: false });
  }

  private meterOn(track: MediaStreamTrack): void {
    const ctx = (this.ctx ??= new AudioContext());
    void ctx.resume().catch(() => undefined);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.meter = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      this.level = Math.min(1, Math.sqrt(sum / samples.length) * 4); // ×4: speech peaks near full scale
      this.state.update((s) => ({ ...s, micLevel: this.level }));
    }, 100);
  }
}
