// sip.js SessionDescriptionHandler that owns no media itself: every offer/answer, hold,
// DTMF and close is forwarded to the media engine in the call window (see NOTES: webviews
// cannot capture audio, so media runs in a browser page while signaling stays here).
import type {
  BodyAndContentType,
  SessionDescriptionHandler,
  SessionDescriptionHandlerModifier,
  SessionDescriptionHandlerOptions,
} from "sip.js";
import type { MediaSessionRef, Negotiated, VideoMode } from "../protocol/callWindow";
import type { MediaPort } from "./mediaPort";
import { DTMF_SEQUENCE } from "../calls/dtmf";

const SDP = "application/sdp";

/**
 * The options sip.js hands us (from Inviter/accept/re-INVITE options): its own `constraints`
 * (audio / video) plus `hold` and, for offers that must keep receiving video without our
 * camera, an explicit `videoMode`.
 */
export type SoftphoneSdhOptions = SessionDescriptionHandlerOptions & { hold?: boolean; videoMode?: VideoMode; iceRestart?: boolean };

/** sip.js's constraints as our video mode: `video: true` sends the camera; otherwise none. */
export function videoModeOf(options: SoftphoneSdhOptions | undefined): VideoMode {
  if (options?.videoMode) return options.videoMode;
  const video = (options?.constraints as { video?: unknown } | undefined)?.video;
  return video ? "send" : "none";
}

export class RemoteSessionDescriptionHandler implements SessionDescriptionHandler {
  private closed = false;

  constructor(
    readonly session: MediaSessionRef,
    private readonly media: MediaPort,
    /** Each completed offer/answer: how video ended up (the far end may have added or removed it). */
    private readonly onNegotiated: (n: Negotiated) => void = () => undefined,
  ) {}

  async getDescription(options?: SoftphoneSdhOptions): Promise<BodyAndContentType> {
    this.assertOpen();
    const r = await this.media.getDescription(this.session, { hold: !!options?.hold, video: videoModeOf(options), ...(options?.iceRestart ? { iceRestart: true } : {}) });
    if (r.negotiated) this.onNegotiated(r.negotiated);
    return { body: r.sdp, contentType: SDP };
  }

  hasDescription(contentType: string): boolean {
    return contentType === SDP;
  }

  async setDescription(
    sdp: string,
    _options?: SessionDescriptionHandlerOptions,
    _modifiers?: SessionDescriptionHandlerModifier[],
  ): Promise<void> {
    this.assertOpen();
    const r = await this.media.setDescription(this.session, sdp);
    if (r.negotiated) this.onNegotiated(r.negotiated);
  }

  async rollbackDescription(): Promise<void> {
    if (!this.closed) await this.media.rollback(this.session.id);
  }

  sendDtmf(tones: string, options?: { duration?: number; interToneGap?: number }): boolean {
    if (this.closed || !DTMF_SEQUENCE.test(tones)) return false;
    return this.media.sendDtmf(this.session.id, tones, { durationMs: options?.duration, gapMs: options?.interToneGap });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.media.close(this.session.id);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("session description handler closed");
  }
}
