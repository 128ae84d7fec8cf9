// sip.js SessionDescriptionHandler that owns no media itself: every offer/answer, hold,
// DTMF and close is forwarded to the media engine in the call window (see NOTES: webviews
// cannot capture audio, so media runs in a browser page while signaling stays here).
import type {
  BodyAndContentType,
  SessionDescriptionHandler,
  SessionDescriptionHandlerModifier,
  SessionDescriptionHandlerOptions,
} from "sip.js";
import type { MediaPort } from "./mediaPort";
import { DTMF_SEQUENCE } from "../calls/dtmf";

const SDP = "application/sdp";

export class RemoteSessionDescriptionHandler implements SessionDescriptionHandler {
  private closed = false;

  constructor(
    readonly callId: string,
    private readonly media: MediaPort,
  ) {}

  async getDescription(options?: SessionDescriptionHandlerOptions & { hold?: boolean }): Promise<BodyAndContentType> {
    this.assertOpen();
    const sdp = await this.media.getDescription(this.callId, { hold: !!options?.hold });
    return { body: sdp, contentType: SDP };
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
    await this.media.setDescription(this.callId, sdp);
  }

  async rollbackDescription(): Promise<void> {
    if (!this.closed) await this.media.rollback(this.callId);
  }

  sendDtmf(tones: string, options?: { duration?: number; interToneGap?: number }): boolean {
    if (this.closed || !DTMF_SEQUENCE.test(tones)) return false;
    return this.media.sendDtmf(this.callId, tones, { durationMs: options?.duration, gapMs: options?.interToneGap });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.media.close(this.callId);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("session description handler closed");
  }
}
