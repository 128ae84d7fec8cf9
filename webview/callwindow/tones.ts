// Ring and ringback tones synthesised with Web Audio (no sound files to ship or fetch).
// Incoming ring: 440+480 Hz, 2 s on / 4 s off. Ringback (we are calling, they are ringing):
// the same pair at a lower volume.

export class TonePlayer {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private kind: "ring" | "ringback" | undefined;

  /** What is playing now (for the page's debug hook and tests). */
  get playing(): "ring" | "ringback" | undefined {
    return this.kind;
  }

  set(kind: "ring" | "ringback" | undefined): void {
    if (kind === this.kind) return;
    this.stop();
    this.kind = kind;
    if (!kind) return;
    const burst = () => this.burst(kind === "ring" ? 0.25 : 0.08);
    burst();
    this.timer = setInterval(burst, 6000);
  }

  private burst(volume: number): void {
    try {
      this.ctx ??= new AudioContext();
      const ctx = this.ctx;
      const gain = ctx.createGain();
      gain.gain.value = volume;
      gain.connect(ctx.destination);
      for (const f of [440, 480]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = f;
        osc.connect(gain);
        osc.start();
        osc.stop(ctx.currentTime + 2);
      }
    } catch {
      /* audio output unavailable: the visual indicator still shows */
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.kind = undefined;
  }
}
