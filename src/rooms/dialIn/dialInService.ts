// Phone callers into audio rooms. Calls to an account with `roomDialIn` are answered here, not
// by CallManager: no ringing, no call window — the media is a PhoneLine (plain RTP) in this
// process. The caller types the room's number (and PIN), is put into the room as an AudioBridge
// plain-RTP participant, and the line relays audio both ways until either side ends it. Works
// with every view closed, like registration. No vscode import.
import { SessionState, type Invitation, type Session, type SessionDescriptionHandler } from "sip.js";
import type { DialInCallerView } from "../../protocol/model";
import { safeUiText } from "../../calls/remoteParty";
import { Emitter } from "../../util/emitter";
import type { Logger } from "../../util/logger";
import { messageOf } from "../../util/text";
import type { AudioBridgeMember } from "../audioBridge";
import type { RoomInfo } from "../roomModel";
import { DEFAULT_TIMING, runDialInDialogue, type DialogueTiming } from "./dialInDialogue";
import { PhoneLine } from "./phoneLine";
import { PlainRtpSdh } from "./plainRtpSdh";

/** What dial-in needs of the rooms side (RoomService). */
export interface DialInRooms {
  /** Whether a rooms server is set up at all. */
  available(): boolean;
  list(): Promise<RoomInfo[]>;
  joinByPhone(room: number, options: { display: string; pin?: string; rtpPort: number }): Promise<{ member: AudioBridgeMember; rtp: { ip: string; port: number } }>;
}

export interface DialInOptions {
  rooms: DialInRooms;
  log: Logger;
  timing?: DialogueTiming;
  /** More callers at once than this get 486 Busy Here. */
  maxCallers?: number;
}

interface Caller {
  view: DialInCallerView;
  invitation: Invitation;
  line: PhoneLine;
  member?: AudioBridgeMember;
  ended: boolean;
}

let nextId = 1;

export class DialInService {
  private readonly lines = new WeakMap<Session, { line: PhoneLine; serverHost: string }>();
  private readonly callers = new Map<string, Caller>();
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly options: DialInOptions) {}

  views(): DialInCallerView[] {
    return [...this.callers.values()].map((c) => ({ ...c.view }));
  }

  /** sip.js's media handler for a dial-in call (undefined: not one of ours). */
  handlerFor(session: Session): SessionDescriptionHandler | undefined {
    const entry = this.lines.get(session);
    return entry ? new PlainRtpSdh(entry.line, entry.serverHost) : undefined;
  }

  /** An INVITE to a dial-in account: answer it and walk the caller into a room. */
  async take(invitation: Invitation, serverUrl: string): Promise<void> {
    const log = this.options.log;
    const who = safeUiText(invitation.remoteIdentity.displayName || invitation.remoteIdentity.uri.user || "a phone", 48);
    if (!this.options.rooms.available()) {
      log.warn(`dial-in: ${who} called, but no rooms server is set up (softphone.rooms.server): 480`);
      return void invitation.reject({ statusCode: 480, reasonPhrase: "No Rooms Server" }).catch(() => undefined);
    }
    if (this.callers.size >= (this.options.maxCallers ?? 20)) {
      log.warn(`dial-in: ${who} called while ${this.callers.size} callers are already connected: 486`);
      return void invitation.reject({ statusCode: 486 }).catch(() => undefined);
    }
    let line: PhoneLine;
    try {
      line = await PhoneLine.open();
    } catch (err) {
      log.error(`dial-in: no UDP port for ${who}'s audio: ${messageOf(err)}`);
      return void invitation.reject({ statusCode: 500 }).catch(() => undefined);
    }
    this.lines.set(invitation, { line, serverHost: hostOf(serverUrl) });
    const caller: Caller = { view: { id: `dialin-${nextId++}`, caller: who, stage: "dialogue" }, invitation, line, ended: false };
    this.callers.set(caller.view.id, caller);
    invitation.stateChange.addListener((state) => {
      if (state === SessionState.Terminated) void this.end(caller, "the caller hung up");
    });
    this._onDidChange.fire();
    try {
      await invitation.accept();
    } catch (err) {
      log.warn(`dial-in: answering ${who} failed: ${messageOf(err)}`);
      return this.end(caller, "not answered");
    }
    log.info(`dial-in: ${who} answered; asking for the room's number`);

    const result = await runDialInDialogue(
      line,
      () => this.options.rooms.list(),
      (room, pin) => this.options.rooms.joinByPhone(room.id, { display: `Phone ${who}`, pin, rtpPort: line.roomPort }),
      this.options.timing ?? DEFAULT_TIMING,
      (text) => log.info(text),
    ).catch((err): { ok: false; reason: string } => ({ ok: false, reason: messageOf(err) }));

    if (!result.ok) {
      log.info(`dial-in: ${who} not put into a room (${result.reason}); hanging up`);
      return this.end(caller, result.reason);
    }
    const { member, rtp } = result.joined;
    if (caller.ended) return void (await member.leave());
    caller.member = member;
    caller.view = { ...caller.view, stage: "in-room", room: result.room.id, subject: result.room.subject };
    line.relayTo({ address: rtp.ip, port: rtp.port });
    member.onEvent((e) => {
      if (e.kind === "kicked") void this.end(caller, "kicked from the room");
      else if (e.kind === "closed") void this.end(caller, "the room was closed");
    });
    log.info(`dial-in: ${who} is in room ${result.room.id} "${result.room.subject}"`);
    this._onDidChange.fire();
  }

  /** How much audio went each way for a caller (tests and logs). */
  counters(id: string): PhoneLine["counters"] | undefined {
    const c = this.callers.get(id);
    return c ? { ...c.line.counters } : undefined;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.callers.values()].map((c) => this.end(c, "the softphone is shutting down")));
  }

  private async end(caller: Caller, reason: string): Promise<void> {
    if (caller.ended) return;
    caller.ended = true;
    this.callers.delete(caller.view.id);
    this.options.log.info(`dial-in: ${caller.view.caller} left (${reason})`);
    const session = caller.invitation;
    if (session.state === SessionState.Established) await session.bye().catch(() => undefined);
    caller.line.close();
    await caller.member?.leave().catch(() => undefined);
    this._onDidChange.fire();
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return "127.0.0.1";
  }
}
