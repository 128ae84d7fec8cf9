// Room management through one plugin handle, the same for video rooms (VideoRoom) and audio
// rooms (AudioBridge): create, list, kick, destroy. No media. No vscode import.
import type { JanusConnection } from "./janusConnection";
import { newRoomNumber } from "./dialIn/dialInCode";
import { describeRoom, readDescription } from "./roomListing";
import { checkNewRoom, roomError, type NewRoom, type Participant, type RoomInfo } from "./roomModel";

const PLUGINS = { video: "janus.plugin.videoroom", audio: "janus.plugin.audiobridge" } as const;

/** What each plugin is asked for in "create", beyond subject, secret and PIN. */
const CREATE_OPTIONS: Record<RoomInfo["kind"], Record<string, unknown>> = {
  // fir_freq: Janus asks every publisher for a keyframe every 5 s. A recording starts a video file
  // at a keyframe of the layer it records, which nobody else may ask for; without these, a
  // recorded publisher's video file could stay empty (seen in 1 of 2 runs of roomRecording).
  video: { publishers: 16, audiocodec: "opus", videocodec: "vp8", fir_freq: 5, notify_joining: true, audiolevel_event: true, audio_active_packets: 50, audio_level_average: 60 },
  // allow_rtp_participants: phone callers join as plain-RTP participants (rooms/dialIn).
  audio: { sampling_rate: 48000, allow_rtp_participants: true, audiolevel_event: true, audio_active_packets: 50, audio_level_average: 60 },
};

export class RoomAdmin {
  protected constructor(
    protected readonly janus: JanusConnection,
    protected readonly handle: number,
    readonly kind: RoomInfo["kind"],
    /** The plugins' admin_key, when the server asks one to create rooms. */
    private readonly adminKey?: string,
  ) {}

  static async attach(janus: JanusConnection, kind: RoomInfo["kind"], options: { adminKey?: string } = {}): Promise<RoomAdmin> {
    return new RoomAdmin(janus, await janus.attach(PLUGINS[kind], () => undefined), kind, options.adminKey);
  }

  /**
   * Creates the room; resolves with its id. The number is ours to pick: 6 digits, so phone
   * callers can dial in to it (rooms/dialIn); a number already taken is drawn again.
   */
  async create(room: NewRoom): Promise<number> {
    checkNewRoom(room);
    for (let attempt = 1; ; attempt++) {
      const id = newRoomNumber();
      try {
        const { data } = await this.janus.message(this.handle, {
          request: "create",
          room: id,
          description: describeRoom(room.subject.trim(), { start: room.start, end: room.end }),
          secret: room.secret,
          ...(room.pin ? { pin: room.pin } : {}),
          is_private: false,
          ...(this.adminKey ? { admin_key: this.adminKey } : {}),
          ...CREATE_OPTIONS[this.kind],
        });
        return data.room as number;
      } catch (err) {
        const error = roomError(err, id);
        if (attempt < 5 && /already exists/.test(error.message)) continue;
        throw error;
      }
    }
  }

  async list(): Promise<RoomInfo[]> {
    const { data } = await this.janus.message(this.handle, { request: "list" });
    const rooms = (data.list ?? []) as Array<{ room: number; description?: string; pin_required?: boolean; num_participants?: number; record?: boolean }>;
    return rooms.map((r) => ({
      id: r.room,
      kind: this.kind,
      ...readDescription(r.description ?? String(r.room)),
      pinRequired: r.pin_required === true,
      participants: r.num_participants ?? 0,
      ...(r.record === true ? { recording: true } : {}),
    }));
  }

  /** Who is in a room now (VideoRoom: `publisher` says who sends; AudioBridge: everyone does). */
  async participants(room: number): Promise<Participant[]> {
    const data = await this.request(room, { request: "listparticipants", room });
    const list = (Array.isArray(data.participants) ? data.participants : []) as Array<{ id?: unknown; display?: unknown; publisher?: unknown; muted?: unknown }>;
    return list
      .filter((p): p is { id: number; display?: unknown; publisher?: unknown; muted?: unknown } => typeof p?.id === "number")
      .map((p) => ({
        id: p.id,
        display: typeof p.display === "string" ? p.display : "",
        publishing: this.kind === "audio" || p.publisher === true,
        ...(typeof p.muted === "boolean" ? { muted: p.muted } : {}),
      }));
  }

  /**
   * The server records the room (VideoRoom: one .mjr file per publisher and medium; AudioBridge:
   * the mix as one .wav), in its recording folder — Janus's rec_dir, else its working directory.
   */
  async setRecording(room: number, secret: string, on: boolean): Promise<void> {
    await this.request(room, { request: "enable_recording", room, secret, record: on });
  }

  async kick(room: number, secret: string, participant: number): Promise<void> {
    await this.request(room, { request: "kick", room, secret, id: participant });
  }

  async destroy(room: number, secret: string): Promise<void> {
    await this.request(room, { request: "destroy", room, secret });
  }

  async close(): Promise<void> {
    await this.janus.detach(this.handle);
  }

  protected async request(room: number, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return (await this.janus.message(this.handle, body)).data;
    } catch (err) {
      throw roomError(err, room);
    }
  }
}
