// What video-room and audio-room members share: joining through a fresh plugin handle (events
// that arrive before the join's answer are kept and handed over), the others in the room, event
// listeners, and leaving. No vscode import.
import type { JanusConnection, JanusEvent } from "./janusConnection";
import { roomError, type MemberEvent, type Participant } from "./roomModel";

/** Attach `plugin` and send `join`; on a refusal the handle is detached and the reason said in words. */
export async function attachAndJoin(
  janus: JanusConnection,
  plugin: string,
  room: number,
  join: Record<string, unknown>,
): Promise<{ handle: number; data: Record<string, unknown>; deliverTo(receive: (e: JanusEvent) => void): void }> {
  let receiver: ((e: JanusEvent) => void) | undefined;
  const early: JanusEvent[] = [];
  const handle = await janus.attach(plugin, (e) => (receiver ? receiver(e) : early.push(e)));
  try {
    const { data } = await janus.message(handle, join);
    return {
      handle,
      data,
      deliverTo: (receive) => {
        receiver = receive;
        for (const e of early.splice(0)) receive(e);
      },
    };
  } catch (err) {
    await janus.detach(handle);
    throw roomError(err, room);
  }
}

export abstract class JoinedMember {
  readonly others = new Map<number, Participant>();
  private listeners: Array<(e: MemberEvent) => void> = [];

  protected constructor(
    protected readonly janus: JanusConnection,
    protected readonly handle: number,
    readonly room: number,
    readonly id: number,
  ) {}

  onEvent(listener: (e: MemberEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  async leave(): Promise<void> {
    await this.janus.message(this.handle, { request: "leave" }).catch(() => undefined);
    await this.janus.detach(this.handle);
  }

  /** Send our offer with `configure`; resolves with the server's answer. */
  protected async configureWithOffer(body: Record<string, unknown>, offerSdp: string): Promise<string> {
    try {
      const { jsep } = await this.janus.message(this.handle, { request: "configure", ...body }, { type: "offer", sdp: offerSdp });
      if (!jsep || jsep.type !== "answer") throw new Error("the rooms server sent no answer to our media");
      return jsep.sdp;
    } catch (err) {
      throw roomError(err, this.room);
    }
  }

  /**
   * The room as it is now (after events were missed): who is gone leaves, who is new joins (and
   * starts publishing if they do); marks we know are kept.
   */
  reconcile(present: Participant[]): void {
    const ids = new Set(present.map((p) => p.id));
    for (const id of [...this.others.keys()]) {
      if (!ids.has(id) && this.others.delete(id)) this.emit({ kind: "left", id });
    }
    for (const p of present) {
      if (p.id === this.id) continue;
      const known = this.others.get(p.id);
      const now: Participant = { ...known, ...p, display: p.display || known?.display || "" };
      this.others.set(p.id, now);
      if (!known) this.emit({ kind: "joined", participant: now });
      if (now.publishing && !known?.publishing) this.emit({ kind: "publishing", participant: now });
    }
  }

  protected abstract receive(event: JanusEvent): void;

  protected emit(e: MemberEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
