// sip.js SessionDescriptionHandler for a dial-in call: the media is a PhoneLine in this
// process (plain RTP), not the call window. It answers the phone's offer (or offers, for an
// INVITE without SDP) with this machine's address on the route to the phone. No vscode import.
import type { BodyAndContentType, SessionDescriptionHandler } from "sip.js";
import { localAddressToward, type PhoneLine } from "./phoneLine";
import { readPlainAudio, writePlainAudio } from "./plainSdp";

const SDP = "application/sdp";

export class PlainRtpSdh implements SessionDescriptionHandler {
  private readonly sessionId = Math.floor(Math.random() * 1e9);
  private version = 0;

  constructor(
    private readonly line: PhoneLine,
    /** Where to look for our own address when we offer first (the SIP server's host). */
    private readonly fallbackHost: string,
  ) {}

  async getDescription(): Promise<BodyAndContentType> {
    const remote = this.line.remoteAudio;
    const address = await localAddressToward(remote?.address ?? this.fallbackHost);
    const body = writePlainAudio({ address, port: this.line.phonePort, sessionId: this.sessionId, version: this.version++ }, remote?.telephoneEvent ?? 101);
    return { body, contentType: SDP };
  }

  hasDescription(contentType: string): boolean {
    return contentType === SDP;
  }

  async setDescription(sdp: string): Promise<void> {
    this.line.setRemote(readPlainAudio(sdp));
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    this.line.close();
  }
}
