// Audio rooms on Janus's AudioBridge plugin: the server mixes everyone, so each member has one
// peer connection that sends its microphone and receives the mix of the others. Create (subject,
// optional PIN, secret), list, join, publish, leave, destroy. No vscode import.
import type { JanusConnection, JanusEvent } from "./janusConnection";
import { checkNewRoom, MAX_DISPLAY_NAME, roomError, type MemberEvent, type NewRoom, type Participant, type RoomInfo } from "./videoRoom";

const PLUGIN = "janus.plugin.audiobridge";

export class AudioBridgeAdmin {
  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
  ) {}

  static async attach(janus: JanusConnection): Promise<AudioBridgeAdmin> {
    return new AudioBridgeAdmin(janus, await janus.attach(PLUGIN, () => undefined));
  }

  async create(room: NewRoom): Promise<number> {
    checkNewRoom(room);
    try {
      const { data } = await this.janus.message(this.handle, {
        request: "create",
        description: room.subject.trim(),
        secret: room.secret,
        ...(room.pin ? { pin: room.pin } : {}),
        is_private: false,
        sampling_rate: 48000,
        audiolevel_event: true,
        audio_active_packets: 50,
        audio_level_average: 60,
      });
      return data.room as number;
    } catch (err) {
      throw roomError(err);
    }
  }

  async list(): Promise<RoomInfo[]> {
    const { data } = await this.janus.message(this.handle, { request: "list" });
    const rooms = (data.list ?? []) as Array<{ room: number; description?: string; pin_required?: boolean; num_participants?: number }>;
    return rooms.map((r) => ({ id: r.room, subject: r.description ?? String(r.room), pinRequired: r.pin_required === true, participants: r.num_participants ?? 0, kind: "audio" as const }));
  }

  async destroy(room: number, secret: string): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "destroy", room, secret });
    } catch (err) {
      throw roomError(err, room);
    }
  }

  async kick(room: number, secret: string, participant: number): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "kick", room, secret, id: participant });
    } catch (err) {
      throw roomError(err, room);
    }
  }
}

/** Us in an audio room: one peer connection, our microphone out, the server's mix in. */
export class AudioBridgeMember {
  readonly others = new Map<number, Participant>();
  private listeners: Array<(e: MemberEvent) => void> = [];

  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
    readonly room: number,
    readonly id: number,
  ) {}

  static async join(janus: JanusConnection, room: number, options: { display: string; pin?: string }): Promise<AudioBridgeMember> {
    const display = options.display.trim().slice(0, MAX_DISPLAY_NAME);
    let member: AudioBridgeMember | undefined;
    const early: JanusEvent[] = [];
    const handle = await janus.attach(PLUGIN, (e) => (member ? member.receive(e) : early.push(e)));
    try {
      const { data } = await janus.message(handle, { request: "join", room, display, muted: false, ...(options.pin ? { pin: options.pin } : {}) });
      member = new AudioBridgeMember(janus, handle, room, data.id as number);
      for (const p of (data.participants ?? []) as Array<{ id: number; display?: string; muted?: boolean }>) {
        member.others.set(p.id, { id: p.id, display: p.display ?? "", publishing: true, ...(typeof p.muted === "boolean" ? { muted: p.muted } : {}) });
      }
      for (const e of early) member.receive(e);
      return member;
    } catch (err) {
      await janus.detach(handle);
      throw roomError(err, room);
    }
  }

  onEvent(listener: (e: MemberEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** Send our microphone into the mix: our offer in, the server's answer out. */
  async publish(offerSdp: string): Promise<string> {
    try {
      const { jsep } = await this.janus.message(this.handle, { request: "configure", muted: false }, { type: "offer", sdp: offerSdp });
      if (!jsep || jsep.type !== "answer") throw new Error("the rooms server sent no answer to our audio");
      return jsep.sdp;
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  /** Tell the room we are (un)muted: the server stops mixing us and tells everyone. */
  async setMuted(muted: boolean): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "configure", muted });
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  async leave(): Promise<void> {
    await this.janus.message(this.handle, { request: "leave" }).catch(() => undefined);
    await this.janus.detach(this.handle);
  }

  private receive(event: JanusEvent): void {
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

  private emit(e: MemberEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
