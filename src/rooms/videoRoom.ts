// Video rooms on Janus's VideoRoom plugin: the participants list, and us in a room — joined as a
// publisher (our media offered, Janus answers); what we receive of the others is
// RoomReceiver's. Management (create, list, kick, destroy) is RoomAdmin's. No vscode import.
import type { JanusConnection, JanusEvent } from "./janusConnection";
import { attachAndJoin, JoinedMember } from "./joinedMember";
import { MAX_DISPLAY_NAME, roomError, type Participant } from "./roomModel";
import { describeStreams, marksOf, midsOf, type OwnMarks } from "./streamMarks";

const PLUGIN = "janus.plugin.videoroom";

/** Us in a room, joined as a publisher (we may publish later); events about the others follow. */
export class RoomMember extends JoinedMember {
  private constructor(
    janus: JanusConnection,
    handle: number,
    room: number,
    id: number,
    readonly privateId: number,
  ) {
    super(janus, handle, room, id);
  }

  /** The mids of what we publish (set by publish), for describing the streams later. */
  private mids: { audio?: string; video?: string } | undefined;

  static async join(janus: JanusConnection, room: number, options: { display: string; pin?: string }): Promise<RoomMember> {
    const display = options.display.trim().slice(0, MAX_DISPLAY_NAME);
    const { handle, data, deliverTo } = await attachAndJoin(janus, PLUGIN, room, { request: "join", ptype: "publisher", room, display, ...(options.pin ? { pin: options.pin } : {}) });
    const member = new RoomMember(janus, handle, room, data.id as number, data.private_id as number);
    for (const p of (data.publishers ?? []) as PublisherEntry[]) member.others.set(p.id, publisher(p));
    for (const p of (data.attendees ?? []) as Array<{ id: number; display?: string }>) member.others.set(p.id, { id: p.id, display: p.display ?? "", publishing: false });
    deliverTo((e) => member.receive(e));
    return member;
  }

  /**
   * Publish our media: our offer in, Janus's answer out. The streams are described (streamMarks)
   * so the others see what we send and, later, whether we muted it.
   */
  publish(offerSdp: string, options: { video: boolean; marks?: OwnMarks }): Promise<string> {
    this.mids = midsOf(offerSdp);
    const descriptions = describeStreams(this.mids, options.marks ?? { muted: false, cameraOff: false });
    return this.configureWithOffer({ audio: true, video: options.video, descriptions }, offerSdp);
  }

  /** Tell everyone in the room what we now send (muted, camera off): an SDP-less configure. */
  async mark(marks: OwnMarks): Promise<void> {
    if (!this.mids) return; // not publishing: nothing to describe
    try {
      await this.janus.message(this.handle, { request: "configure", descriptions: describeStreams(this.mids, marks) });
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  /**
   * Ask our camera (or screen) for a keyframe, through Janus. A recording of a simulcast
   * publisher starts only with a keyframe of the layer it records, and Chromium sends keyframes
   * only when asked: without one the file may stay empty for as long as nobody asks.
   */
  async requestKeyframe(): Promise<void> {
    if (!this.mids) return; // not publishing
    await this.janus.message(this.handle, { request: "configure", keyframe: true }).catch((err) => Promise.reject(roomError(err, this.room)));
  }

  protected receive(event: JanusEvent): void {
    const data = event.plugindata?.data;
    if (!data) return;
    if (data.videoroom === "destroyed") return this.emit({ kind: "closed" });
    if (data.leaving === "ok" && data.reason === "kicked") return this.emit({ kind: "kicked" });
    if ((data.videoroom === "talking" || data.videoroom === "stopped-talking") && typeof data.id === "number") {
      const talking = data.videoroom === "talking";
      const known = this.others.get(data.id);
      if (known) this.others.set(data.id, { ...known, talking });
      return this.emit({ kind: "talking", id: data.id, talking });
    }
    // A publisher list: someone started publishing, or changed what their streams say (mute marks).
    for (const p of (data.publishers ?? []) as PublisherEntry[]) this.add(publisher(p));
    if (data.joining && typeof data.joining === "object") {
      const p = data.joining as { id: number; display?: string };
      this.add({ id: p.id, display: p.display ?? "", publishing: false });
    }
    if (typeof data.id === "number" && typeof data.display === "string" && this.others.has(data.id)) {
      this.add({ ...this.others.get(data.id)!, display: data.display }); // renamed
    }
    for (const key of ["leaving", "unpublished", "kicked"] as const) {
      const id = data[key];
      if (typeof id === "number" && (key !== "unpublished" || this.others.has(id))) {
        if (key === "unpublished") {
          const { id: _, display } = this.others.get(id)!;
          this.others.set(id, { id, display, publishing: false });
          this.emit({ kind: "updated", participant: this.others.get(id)! });
        } else if (this.others.delete(id)) this.emit({ kind: "left", id });
      }
    }
  }

  private add(p: Participant): void {
    const known = this.others.get(p.id);
    const now: Participant = { ...known, ...p, publishing: p.publishing || known?.publishing === true };
    this.others.set(p.id, now);
    if (!known) this.emit({ kind: "joined", participant: now });
    if (now.publishing && !known?.publishing) this.emit({ kind: "publishing", participant: now });
    else if (known && JSON.stringify(known) !== JSON.stringify(now)) this.emit({ kind: "updated", participant: now });
  }
}

interface PublisherEntry {
  id: number;
  display?: string;
  streams?: unknown;
  talking?: boolean;
}

/** A publisher as Janus lists it, with what its streams say (streamMarks). */
function publisher(p: PublisherEntry): Participant {
  const marks = marksOf(p.streams);
  return {
    id: p.id,
    display: p.display ?? "",
    publishing: true,
    muted: marks.muted,
    video: marks.video,
    cameraOff: marks.cameraOff,
    ...(marks.screen ? { screen: true } : {}),
    ...(p.talking === true ? { talking: true } : {}),
  };
}
