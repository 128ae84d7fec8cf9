// What the call window keeps ready between calls, so that starting a call waits for none of it:
//   - an offer: a peer connection with this call window's microphone track, its offer made and
//     its ICE candidates gathered. Its SDP is handed to the host ahead of time ("media.spare"),
//     which sends it in the next INVITE and then tells us which call claimed it
//     ("media.claim"): an outgoing call costs the call window no round trip before the INVITE.
//   - a pooled peer connection (iceCandidatePoolSize), for incoming calls and any call the
//     offer does not fit: its answer or offer carries its candidates at once.
// Both are made for the ICE servers of the last call (none until then, the default), only
// between calls, and replaced every two minutes so their candidates stay current.
import type { IceServer } from "../../src/protocol/callWindow";
import type { SharedCapture } from "./capture";
import { peerConfiguration, waitForIceGathering, type PreparedPeer } from "./ice";

const MAX_AGE_MS = 120000;
/** A withdrawn offer stays usable this long: the host may have claimed it meanwhile. */
const WITHDRAWN_GRACE_MS = 30000;
/** Nobody waits for the spare offer's candidates, so it can wait for all of them. */
const SPARE_GATHERING_TIMEOUT_MS = 5000;

export interface SpareOffer {
  id: string;
  sdp: string;
  iceServers: IceServer[];
}

interface Offer extends SpareOffer {
  pc: RTCPeerConnection;
  track: MediaStreamTrack;
}

export class Prewarm {
  private iceServers: IceServer[] = [];
  private pooled: { pc: RTCPeerConnection; key: string } | undefined;
  private offer: Offer | undefined;
  private preparing: Promise<void> | undefined;
  private readonly withdrawn = new Map<string, { offer: Offer; timer: ReturnType<typeof setTimeout> }>();
  private refresh: ReturnType<typeof setTimeout> | undefined;
  private active = false;
  private nextId = 1;

  constructor(
    private readonly microphone: SharedCapture,
    /** Tell the host about the offer it may use for the next call (null: none any more). */
    private readonly advertise: (spare: SpareOffer | null) => void,
  ) {}

  /** The window is connected (again): prepare what is missing and (re)advertise the offer. */
  start(): void {
    this.active = true;
    if (this.offer) this.advertise(this.publicOffer(this.offer));
    this.replenish();
  }

  /** The window closes or stands down: close everything prepared. */
  stop(): void {
    this.active = false;
    clearTimeout(this.refresh);
    this.pooled?.pc.close();
    this.pooled = undefined;
    if (this.offer) this.close(this.offer);
    this.offer = undefined;
    for (const [id, w] of this.withdrawn) {
      clearTimeout(w.timer);
      this.close(w.offer);
      this.withdrawn.delete(id);
    }
  }

  /** Between calls: make what the next call will use (for the last call's ICE servers). */
  replenish(): void {
    if (!this.active) return;
    const key = JSON.stringify(this.iceServers);
    if (this.pooled && this.pooled.key !== key) {
      this.pooled.pc.close();
      this.pooled = undefined;
    }
    if (!this.pooled) {
      try {
        this.pooled = { pc: new RTCPeerConnection(peerConfiguration(this.iceServers, 1)), key };
      } catch {
        /* e.g. a malformed ICE server: the call reports it when it makes its own */
      }
    }
    if (this.offer && JSON.stringify(this.offer.iceServers) !== key) this.withdraw();
    if (!this.offer && !this.preparing) this.preparing = this.prepareOffer().finally(() => (this.preparing = undefined));
    clearTimeout(this.refresh);
    this.refresh = setTimeout(() => {
      this.pooled?.pc.close();
      this.pooled = undefined;
      if (this.offer) this.withdraw();
      this.replenish();
    }, MAX_AGE_MS);
  }

  /** The offer the host sent in a session's INVITE: that media session owns it from now on. */
  claim(spareId: string): (PreparedPeer & { iceServers: IceServer[] }) | undefined {
    let offer: Offer | undefined;
    if (this.offer?.id === spareId) {
      offer = this.offer;
      this.offer = undefined;
    } else {
      const w = this.withdrawn.get(spareId);
      if (w) {
        clearTimeout(w.timer);
        this.withdrawn.delete(spareId);
        offer = w.offer;
      }
    }
    if (offer?.track.readyState === "ended") {
      this.close(offer); // its microphone went away: the call must not go out silent
      offer = undefined;
    }
    return offer && { pc: offer.pc, track: offer.track, iceServers: offer.iceServers };
  }

  /** The microphone capture ended: the prepared offer's track is dead, make a new one. */
  microphoneEnded(): void {
    if (!this.offer) return;
    this.withdraw();
    this.replenish();
  }

  /** A pooled peer connection for a call with these ICE servers, if one fits. */
  take(iceServers: IceServer[]): PreparedPeer | undefined {
    this.iceServers = iceServers;
    const pooled = this.pooled;
    if (!pooled || pooled.key !== JSON.stringify(iceServers) || pooled.pc.signalingState === "closed") return undefined;
    this.pooled = undefined;
    return { pc: pooled.pc };
  }

  private async prepareOffer(): Promise<void> {
    const iceServers = this.iceServers;
    let pc: RTCPeerConnection | undefined;
    let track: MediaStreamTrack | undefined;
    try {
      pc = new RTCPeerConnection(peerConfiguration(iceServers));
      track = await this.microphone.track();
      pc.addTrack(track, new MediaStream([track]));
      await pc.setLocalDescription(await pc.createOffer());
      await waitForIceGathering(pc, false, SPARE_GATHERING_TIMEOUT_MS);
      const sdp = pc.localDescription?.sdp;
      if (!sdp || !this.active || JSON.stringify(iceServers) !== JSON.stringify(this.iceServers)) throw new Error("not needed any more");
      this.offer = { id: `spare-${Date.now()}-${this.nextId++}`, sdp, iceServers, pc, track };
      this.advertise(this.publicOffer(this.offer));
    } catch {
      // No microphone (reported when the window connected and again by the call) or the
      // window went away: calls take the ordinary path.
      this.microphone.drop(track);
      pc?.close();
    }
  }

  private withdraw(): void {
    const offer = this.offer;
    if (!offer) return;
    this.offer = undefined;
    if (this.active) this.advertise(null);
    const timer = setTimeout(() => {
      this.withdrawn.delete(offer.id);
      this.close(offer);
    }, WITHDRAWN_GRACE_MS);
    this.withdrawn.set(offer.id, { offer, timer });
  }

  private close(offer: Offer): void {
    this.microphone.drop(offer.track);
    offer.pc.close();
  }

  private publicOffer(o: Offer): SpareOffer {
    return { id: o.id, sdp: o.sdp, iceServers: o.iceServers };
  }
}
