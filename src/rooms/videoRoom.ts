// Rooms on Janus's VideoRoom plugin: create (subject, optional 6-digit PIN, secret), list,
// join, participants, leave, kick and destroy. What Janus answers is turned into the words a
// person needs ("wrong PIN", "no such room"), never a bare error code. No vscode import.
import { JanusError, type JanusConnection, type JanusEvent } from "./janusConnection";

const PLUGIN = "janus.plugin.videoroom";
export const MAX_SUBJECT = 128;
export const MAX_DISPLAY_NAME = 64;
const PIN = /^[0-9]{6}$/;

export interface RoomInfo {
  id: number;
  /** video: VideoRoom (each publishes, each subscribes); audio: AudioBridge (the server mixes). */
  kind: "video" | "audio";
  subject: string;
  pinRequired: boolean;
  participants: number;
}

export interface Participant {
  id: number;
  display: string;
  publishing: boolean;
  /** Muted their microphone (audio rooms tell everyone; undefined where the server does not say). */
  muted?: boolean;
}

export interface NewRoom {
  subject: string;
  /** Six digits everyone needs to join; none: the room is open. */
  pin?: string;
  /** Needed to destroy the room and to kick (kept in SecretStorage by the caller). */
  secret: string;
}

/**
 * What a problem in a room request means for the person who asked. VideoRoom and AudioBridge
 * use different codes for the same things, so the reason's words decide first.
 */
export function roomError(err: unknown, room?: number): Error {
  if (!(err instanceof JanusError)) return err instanceof Error ? err : new Error(String(err));
  const which = room !== undefined ? `room ${room}` : "the room";
  const reason = err.message;
  if (/no such room/i.test(reason) || err.code === 426) return new Error(`${which} does not exist (any more)`);
  if (/missing mandatory element \(pin\)/i.test(reason)) return new Error(`${which} needs a PIN`);
  if (/unauthorized|wrong/i.test(reason) || err.code === 433) {
    return new Error(/secret/i.test(reason) ? `wrong secret for ${which}` : `wrong PIN for ${which}`);
  }
  if (/already exists/i.test(reason) || err.code === 427) return new Error(`${which} already exists`);
  if (/maximum number|too many/i.test(reason) || err.code === 432) return new Error(`${which} is full`);
  return new Error(`the rooms server refused: ${reason}${err.code ? ` (${err.code})` : ""}`);
}

/** Checks a new room's fields; throws saying what is wrong. */
export function checkNewRoom(room: NewRoom): void {
  const subject = room.subject.trim();
  if (!subject) throw new Error("a room needs a subject");
  if (subject.length > MAX_SUBJECT) throw new Error(`the subject is ${subject.length} characters; at most ${MAX_SUBJECT}`);
  if (room.pin !== undefined && !PIN.test(room.pin)) throw new Error("the PIN must be 6 digits");
  if (!room.secret) throw new Error("a room needs a secret");
}

/** Room management through one VideoRoom handle (no media). */
export class VideoRoomAdmin {
  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
  ) {}

  static async attach(janus: JanusConnection): Promise<VideoRoomAdmin> {
    return new VideoRoomAdmin(janus, await janus.attach(PLUGIN, () => undefined));
  }

  /** Creates the room; resolves with its id. */
  async create(room: NewRoom): Promise<number> {
    checkNewRoom(room);
    try {
      const { data } = await this.janus.message(this.handle, {
        request: "create",
        description: room.subject.trim(),
        secret: room.secret,
        ...(room.pin ? { pin: room.pin } : {}),
        is_private: false,
        publishers: 9,
        audiocodec: "opus",
        videocodec: "vp8",
        notify_joining: true,
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
    return rooms.map((r) => ({ id: r.room, kind: "video" as const, subject: r.description ?? String(r.room), pinRequired: r.pin_required === true, participants: r.num_participants ?? 0 }));
  }

  async participants(room: number): Promise<Participant[]> {
    try {
      const { data } = await this.janus.message(this.handle, { request: "listparticipants", room });
      const list = (data.participants ?? []) as Array<{ id: number; display?: string; publisher?: boolean }>;
      return list.map((p) => ({ id: p.id, display: p.display ?? "", publishing: p.publisher === true }));
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

  async destroy(room: number, secret: string): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "destroy", room, secret });
    } catch (err) {
      throw roomError(err, room);
    }
  }

  async close(): Promise<void> {
    await this.janus.detach(this.handle);
  }
}

export type MemberEvent =
  | { kind: "joined"; participant: Participant }
  | { kind: "updated"; participant: Participant }
  | { kind: "publishing"; participant: Participant }
  | { kind: "left"; id: number }
  | { kind: "kicked" }
  | { kind: "closed" };

/** Us in a room, joined as a publisher (we may publish later); events about the others follow. */
export class RoomMember {
  readonly others = new Map<number, Participant>();
  private listeners: Array<(e: MemberEvent) => void> = [];

  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
    readonly room: number,
    readonly id: number,
    readonly privateId: number,
  ) {}

  static async join(janus: JanusConnection, room: number, options: { display: string; pin?: string }): Promise<RoomMember> {
    const display = options.display.trim().slice(0, MAX_DISPLAY_NAME);
    let member: RoomMember | undefined;
    const early: JanusEvent[] = [];
    const handle = await janus.attach(PLUGIN, (e) => (member ? member.receive(e) : early.push(e)));
    try {
      const { data } = await janus.message(handle, { request: "join", ptype: "publisher", room, display, ...(options.pin ? { pin: options.pin } : {}) });
      member = new RoomMember(janus, handle, room, data.id as number, data.private_id as number);
      for (const p of (data.publishers ?? []) as Array<{ id: number; display?: string }>) member.others.set(p.id, { id: p.id, display: p.display ?? "", publishing: true });
      for (const p of (data.attendees ?? []) as Array<{ id: number; display?: string }>) member.others.set(p.id, { id: p.id, display: p.display ?? "", publishing: false });
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

  /** Publish our media: our offer in, Janus's answer out. */
  async publish(offerSdp: string, options: { video: boolean }): Promise<string> {
    try {
      const { jsep } = await this.janus.message(this.handle, { request: "configure", audio: true, video: options.video }, { type: "offer", sdp: offerSdp });
      if (!jsep || jsep.type !== "answer") throw new Error("the rooms server sent no answer to our media");
      return jsep.sdp;
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
    if (data.videoroom === "destroyed") return this.emit({ kind: "closed" });
    if (data.leaving === "ok" && data.reason === "kicked") return this.emit({ kind: "kicked" });
    for (const p of (data.publishers ?? []) as Array<{ id: number; display?: string }>) this.add({ id: p.id, display: p.display ?? "", publishing: true });
    if (data.joining && typeof data.joining === "object") {
      const p = data.joining as { id: number; display?: string };
      this.add({ id: p.id, display: p.display ?? "", publishing: false });
    }
    for (const key of ["leaving", "unpublished", "kicked"] as const) {
      const id = data[key];
      if (typeof id === "number" && (key !== "unpublished" || this.others.has(id))) {
        if (key === "unpublished") this.others.set(id, { ...this.others.get(id)!, publishing: false });
        else if (this.others.delete(id)) this.emit({ kind: "left", id });
      }
    }
  }

  private add(p: Participant): void {
    const known = this.others.get(p.id);
    const now = { ...p, publishing: p.publishing || known?.publishing === true };
    this.others.set(p.id, now);
    if (!known) this.emit({ kind: "joined", participant: now });
    if (now.publishing && !known?.publishing) this.emit({ kind: "publishing", participant: now });
  }

  private emit(e: MemberEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

/** Our subscription to one publisher in a room: Janus offers its media, we answer. */
export class RoomSubscription {
  private constructor(
    private readonly janus: JanusConnection,
    private readonly handle: number,
    readonly room: number,
    readonly feed: number,
    /** Janus's offer, to be answered with start(). */
    readonly offerSdp: string,
  ) {}

  static async open(janus: JanusConnection, room: number, feed: number, options: { privateId: number; pin?: string }): Promise<RoomSubscription> {
    const handle = await janus.attach(PLUGIN, () => undefined);
    try {
      const { jsep } = await janus.message(handle, {
        request: "join",
        ptype: "subscriber",
        room,
        private_id: options.privateId,
        streams: [{ feed }],
        ...(options.pin ? { pin: options.pin } : {}),
      });
      if (!jsep || jsep.type !== "offer") throw new Error("the rooms server sent no offer for this feed");
      return new RoomSubscription(janus, handle, room, feed, jsep.sdp);
    } catch (err) {
      await janus.detach(handle);
      throw roomError(err, room);
    }
  }

  async start(answerSdp: string): Promise<void> {
    try {
      await this.janus.message(this.handle, { request: "start" }, { type: "answer", sdp: answerSdp });
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  async close(): Promise<void> {
    await this.janus.message(this.handle, { request: "leave" }).catch(() => undefined);
    await this.janus.detach(this.handle);
  }
}
