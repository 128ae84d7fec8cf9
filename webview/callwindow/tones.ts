// Ring and ringback tones synthesised with Web Audio (no sound files to ship or fetch).
// Incoming ring: 440+480 Hz, 2 s on / 4 s off. Ringback (we are calling, they are ringing):
// the same pair at a lower volume. The audio context runs only while a tone plays: a tone
// stops at once when the call is answered (not at the end of its burst), and between tones the
// context is suspended, so an idle call window keeps no audio output busy.

import type { Tone } from "./toneChoice";

export class TonePlayer {
  private ctx: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private kind: Tone | undefined;
  private output: GainNode | undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;

  private sinkId = "";

  /** Ring on this output device ("" is the default), like the calls (AudioContext.setSinkId). */
  setSink(deviceId: string): void {
    this.sinkId = deviceId;
    const ctx = this.ctx as (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | undefined;
    void ctx?.setSinkId?.(deviceId).catch(() => undefined);
  }

  /** What is playing now (for the page's debug hook and tests). */
  get playing(): Tone | undefined {
    return this.kind;
  }

  set(kind: Tone | undefined): void {
    if (kind === this.kind) return;
    this.stop();
    this.kind = kind;
    if (!kind) return;
    // Call waiting: two short quiet beeps every 5 s, so the call in progress stays audible.
    const burst =
      kind === "waiting" ? () => this.burst(0.05, [440], 0.15, 2) : () => this.burst(kind === "ring" ? 0.25 : 0.08, [440, 480], 2, 1);
    burst();
    this.timer = setInterval(burst, kind === "waiting" ? 5000 : 6000);
  }

  private burst(volume: number, frequencies: number[], seconds: number, repeats: number): void {
    try {
      if (!this.ctx) {
        this.ctx = new AudioContext();
        if (this.sinkId) this.setSink(this.sinkId);
      }
      const ctx = this.ctx;
      clearTimeout(this.idle);
      if (ctx.state === "suspended") void ctx.resume().catch(() => undefined);
      this.output?.disconnect();
      const gain = ctx.createGain();
      gain.gain.value = volume;
      gain.connect(ctx.destination);
      this.output = gain;
      for (let r = 0; r < repeats; r++) {
        const start = ctx.currentTime + r * seconds * 2;
        for (const f of frequencies) {
          const osc = ctx.createOscillator();
          osc.frequency.value = f;
          osc.connect(gain);
          osc.start(start);
          osc.stop(start + seconds);
        }
      }
      this.idle = setTimeout(() => this.suspend(), (repeats * seconds * 2 + 0.1) * 1000);
    } catch {
      /* audio output unavailable: the visual indicator still shows */
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.kind = undefined;
    this.output?.disconnect(); // silence now, not when the burst would have ended
    this.output = undefined;
    this.suspend();
  }

  private suspend(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    if (this.ctx?.state === "running") void this.ctx.suspend().catch(() => undefined);
  }
}
