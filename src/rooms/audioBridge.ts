// Audio rooms on Janus's AudioBridge plugin: the server mixes everyone, so each member has one
// peer connection that sends its microphone and receives the mix of the others: join, publish,
// mute, leave. Management (create, list, kick, destroy) is RoomAdmin's. No vscode import.
import type { JanusConnection, JanusEvent } from "./janusConnection";
import { attachAndJoin, JoinedMember } from "./joinedMember";
import { MAX_DISPLAY_NAME, roomError, type Participant } from "./roomModel";

const PLUGIN = "janus.plugin.audiobridge";

/** Us in an audio room: one peer connection, our microphone out, the server's mix in. */
export class AudioBridgeMember extends JoinedMember {
  static async join(janus: JanusConnection, room: number, options: { display: string; pin?: string }): Promise<AudioBridgeMember> {
    return (await AudioBridgeMember.enter(janus, room, options, {})).member;
  }

  /**
   * A phone caller as a plain-RTP participant (what a SIP gateway does): Janus sends the mix as
   * G.711 µ-law to `rtp` and takes the caller's audio at the address it answers with.
   */
  static async joinByPhone(janus: JanusConnection, room: number, options: { display: string; pin?: string; rtp: { ip: string; port: number } }): Promise<{ member: AudioBridgeMember; rtp: { ip: string; port: number } }> {
    const { member, data } = await AudioBridgeMember.enter(janus, room, options, { codec: "pcmu", rtp: { ip: options.rtp.ip, port: options.rtp.port, payload_type: 0 } });
    const rtp = data.rtp as { ip?: string; port?: number } | undefined;
    if (!rtp?.ip || !rtp.port) {
      await member.leave();
      throw new Error("the rooms server takes no phone callers (its AudioBridge needs rtp_port_range and local_ip)");
    }
    return { member, rtp: { ip: rtp.ip, port: rtp.port } };
  }

  private static async enter(janus: JanusConnection, room: number, options: { display: string; pin?: string }, extra: Record<string, unknown>): Promise<{ member: AudioBridgeMember; data: Record<string, unknown> }> {
    const display = options.display.trim().slice(0, MAX_DISPLAY_NAME);
    const { handle, data, deliverTo } = await attachAndJoin(janus, PLUGIN, room, { request: "join", room, display, muted: false, ...extra, ...(options.pin ? { pin: options.pin } : {}) });
    const member = new AudioBridgeMember(janus, handle, room, data.id as number);
    for (const p of (data.participants ?? []) as Array<{ id: number; display?: string; muted?: boolean }>) {
      member.others.set(p.id, { id: p.id, display: p.display ?? "", publishing: true, ...(typeof p.muted === "boolean" ? { muted: p.muted } : {}) });
    }
    deliverTo((e) => member.receive(e));
    return { member, data };
  }

  /** Send our microphone into the mix: our offer in, the server's answer out. */
  publish(offerSdp: string): Promise<string> {
    return this.configureWithOffer({ muted: false }, offerSdp);
  }

  /** Tell the room we are (un)muted: the server stops mixing us and tells everyone. */
  async setMuted(muted: boolean): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "configure", muted });
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  protected receive(event: JanusEvent): void {
    const data = event.plugindata?.data;
    if (!data) return;
    if (data.audiobridge === "destroyed") return this.emit({ kind: "closed" });
    if (data.audiobridge === "event" && data.kicked !== undefined && data.kicked === this.id) return this.emit({ kind: "kicked" });
    for (const p of (data.participants ?? []) as Array<{ id: number; display?: string; muted?: boolean }>) {
      if (p.id === this.id) continue;
      const known = this.others.get(p.id);
      const now: Participant = { id: p.id, display: p.display ?? known?.display ?? "", publishing: true, ...(typeof p.muted === "boolean" ? { muted: p.muted } : known?.muted !== undefined ? { muted: known.muted } : {}) };
      this.others.set(p.id, now);
      if (!known) this.emit({ kind: "joined", participant: now });
      else if (known.muted !== now.muted) this.emit({ kind: "updated", participant: now });
    }
    for (const key of ["leaving", "kicked"] as const) {
      const id = data[key];
      if (typeof id === "number" && id !== this.id && this.others.delete(id)) this.emit({ kind: "left", id });
    }
  }
}
