// Rooms as the softphone uses them: one connection to the Janus server (setting
// softphone.rooms.server), room management (list, create, destroy, kick), and the room we are
// in — joined, publishing our microphone (and camera) from the call window, subscribed to every
// other publisher automatically, all of them received over one peer connection (RoomReceiver).
// Media sessions are owned by the room ({ kind: "room" }); the call window does the WebRTC, this
// only carries SDP between it and Janus. No vscode import.
import { roomSessionId, type MediaSessionRef, type Negotiated, type ReceivedStream, type VideoMode } from "../protocol/callWindow";
import type { RoomStateView } from "../protocol/model";
import { Emitter } from "../util/emitter";
import type { Logger } from "../util/logger";
import { messageOf } from "../util/text";
import { reconnectDelay } from "../sip/backoff";
import { JanusConnection } from "./janusConnection";
import { AudioBridgeMember } from "./audioBridge";
import { localAddressToward } from "./dialIn/phoneLine";
import { dialInCode } from "./dialIn/dialInCode";
import { RoomAdmin } from "./roomAdmin";
import type { NewRoom, RoomInfo, RoomsServerCredentials } from "./roomModel";
import { pageOfRooms, type RoomPage } from "./roomListing";
import { RoomMember } from "./videoRoom";
import { RoomReceiver } from "./roomReceiver";
import { chatPipeThrough, type ChatMedia } from "./chatPipe";
import { RoomChat } from "./roomChat";
import { createChatRoom, destroyChatRoom, kickFromChat, TextRoomChat, type ChatMessage } from "./textRoom";

export type RoomKind = RoomInfo["kind"];

/** What rooms need of the call window's media engine (a room's chat is a data-only session). */
export interface RoomMedia extends ChatMedia {
  ensureWindow(): Promise<void>;
  getDescription(session: MediaSessionRef, options: { hold: boolean; video: VideoMode }): Promise<{ sdp: string; negotiated?: Negotiated }>;
  /** `streams`: what each m-line of an offer to the room's receiving session carries. */
  setDescription(session: MediaSessionRef, sdp: string, streams?: ReceivedStream[]): Promise<{ negotiated?: Negotiated }>;
  setMuted(sessionId: string, muted: boolean): void;
  setCameraOff(sessionId: string, off: boolean): void;
  close(sessionId: string): void;
}

export interface RoomServiceOptions {
  /** The Janus WebSocket URL (softphone.rooms.server); undefined: rooms are not set up. */
  server: () => string | undefined;
  /** The server's API secret and admin key, if it wants them (SecretStorage). */
  credentials?: (server: string) => Promise<RoomsServerCredentials>;
  media: RoomMedia;
  log: Logger;
}

/** The room we are in, as the UI and getState() show it. */
export type CurrentRoomView = RoomStateView;

type JoinOptions = { display: string; pin?: string; video?: boolean; kind?: RoomKind };

interface Current {
  room: number;
  kind: RoomKind;
  subject: string;
  pin?: string;
  /** How we joined: a rejoin after the server came back joins the same way. */
  joinOptions: JoinOptions;
  member: RoomMember | AudioBridgeMember;
  publishing: { audio: boolean; video: boolean };
  muted: boolean;
  cameraOff: boolean;
  /** We are talking (the server's talking events about us). */
  talking: boolean;
  /** What we receive of the others: one subscriber handle and peer connection for all (video rooms). */
  receiver?: RoomReceiver;
  /** Changes to what we receive, one after another (opening the receiver, adding, dropping feeds). */
  receiving: Promise<void>;
  /** Publishers we chose not to receive (unsubscribe): not subscribed to automatically again. */
  declined: Set<number>;
  /** The simulcast layer asked for each publisher's video (none asked: Janus's default, the full picture). */
  layers: Map<number, "high" | "low">;
  /** Our screen share: a second publisher of ours in the room. */
  screen?: RoomMember;
  chat: RoomChat;
  /** Whether the server records the room, as its list said at the last look. */
  recording: boolean;
  /** Looks at the room list every few seconds (recording on or off, by whoever). */
  watchRoom?: ReturnType<typeof setInterval>;
  unwatch: () => void;
}

/** Janus's simulcast substreams: 2 the full picture; the small tiles take half its size (1). */
const SUBSTREAM = { high: 2, low: 1 } as const;

/** How often the room's listing is read while we are in it (its recording state). */
const ROOM_WATCH_MS = 3000;

export class RoomService {
  private janus: JanusConnection | undefined;
  private admin: Record<RoomKind, RoomAdmin> | undefined;
  /** The plugins' admin key for creating rooms, read with the credentials at connect time. */
  private adminKey: string | undefined;
  private current: Current | undefined;
  /** The server went away while we were in a room: we join it again when it is back. */
  private rejoining: { room: number; kind: RoomKind; subject: string; options: JoinOptions; attempt: number; timer?: ReturnType<typeof setTimeout> } | undefined;
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly _onNotice = new Emitter<string>();
  /** Something the user should be told (kicked, the room closed, a feed failed). */
  readonly onNotice = this._onNotice.event;

  constructor(private readonly options: RoomServiceOptions) {}

  /** Tell the user something about the room (a failed action from the call window). */
  report(text: string): void {
    this._onNotice.fire(text);
  }

  view(): CurrentRoomView | undefined {
    const c = this.current;
    const r = this.rejoining;
    if (!c && r) {
      const chat = { state: "joining" as const, peers: [], messages: [], unread: 0 };
      return { id: r.room, kind: r.kind, subject: r.subject, memberId: 0, others: [], publishing: { audio: false, video: false }, muted: false, reconnecting: true, chat };
    }
    if (!c) return undefined;
    return {
      id: c.room,
      kind: c.kind,
      subject: c.subject,
      memberId: c.member.id,
      others: [...c.member.others.values()]
        .filter((p) => p.id !== c.screen?.id) // our own screen share is not someone else
        .map((p) => ({ ...p, subscribed: c.receiver?.has(p.id) === true, ...(c.declined.has(p.id) ? { declined: true } : {}) })),
      publishing: { ...c.publishing },
      muted: c.muted,
      ...(c.cameraOff ? { cameraOff: true } : {}),
      ...(c.talking ? { talking: true } : {}),
      ...(c.screen ? { screenId: c.screen.id } : {}),
      ...(c.kind === "audio" && dialInCode(c.room) ? { dialInCode: dialInCode(c.room) } : {}),
      chat: c.chat.view(),
      ...(c.recording ? { recording: true } : {}),
      ...(this.janus?.isReclaiming ? { reconnecting: true } : {}),
    };
  }

  /** Every room on the server: video rooms, then audio rooms. */
  async list(): Promise<RoomInfo[]> {
    const admin = await this.management();
    return [...(await admin.video.list()), ...(await admin.audio.list())];
  }

  /** One page of the rooms (ten to a page), all or one type: the seed's roomList. */
  async listPage(options: { kind?: RoomKind | "all"; page?: number } = {}): Promise<RoomPage> {
    return pageOfRooms(await this.list(), options);
  }

  /**
   * A video room (default) or an audio room (`kind: "audio"`, mixed by the server), with its
   * chat: a TextRoom room of the same number, PIN and secret.
   */
  async create(room: NewRoom & { kind?: RoomKind }): Promise<number> {
    const id = await (await this.management())[room.kind ?? "video"].create(room);
    await createChatRoom(await this.connection(), { id, subject: room.subject.trim(), pin: room.pin, secret: room.secret, adminKey: this.adminKey }).catch((err) =>
      this.options.log.warn(`room ${id}: its chat could not be created (${messageOf(err)}); the room works without chat`),
    );
    return id;
  }

  async destroy(room: number, secret: string, kind?: RoomKind): Promise<void> {
    await (await this.management())[kind ?? (await this.kindOf(room))].destroy(room, secret);
    await destroyChatRoom(await this.connection(), room, secret).catch((err) => this.options.log.warn(`room ${room}: its chat could not be closed: ${messageOf(err)}`));
  }

  async kick(room: number, secret: string, memberId: number, kind?: RoomKind): Promise<void> {
    await (await this.management())[kind ?? (await this.kindOf(room))].kick(room, secret, memberId);
    await kickFromChat(await this.connection(), room, secret, String(memberId));
  }

  /** Start or stop the server's recording of the room we are in (needs the room's secret). */
  async setRecording(secret: string, on: boolean): Promise<void> {
    const c = this.current;
    if (!c) throw new Error("you are not in a room");
    await (await this.management())[c.kind].setRecording(c.room, secret, on);
    c.recording = on;
    if (on) this.keyframesForRecording(c);
    this._onDidChange.fire();
  }

  /** The room is now recorded: our video publishers send a keyframe, so their files start with a picture. */
  private keyframesForRecording(c: Current): void {
    for (const publisher of [c.member, c.screen]) {
      if (publisher instanceof RoomMember) publisher.requestKeyframe().catch((err) => this.options.log.warn(`room ${c.room}: no keyframe for the recording: ${messageOf(err)}`));
    }
  }

  /** The room's listing again: whether it is being recorded (anyone with its secret may switch it). */
  private async refreshListing(c: Current): Promise<void> {
    if (this.current !== c) return;
    const listed = await (await this.management().catch(() => undefined))?.[c.kind].list().catch(() => undefined);
    const room = listed?.find((r) => r.id === c.room);
    const recording = room?.recording === true;
    if (!room || this.current !== c || recording === c.recording) return;
    c.recording = recording;
    if (recording) this.keyframesForRecording(c);
    this._onDidChange.fire();
  }

  /** A message to everyone in the room, or a whisper `to` one member (id or name). */
  sendMessage(text: string, options: { to?: string | number } = {}): Promise<ChatMessage> {
    const c = this.current;
    if (!c) return Promise.reject(new Error("you are not in a room"));
    return c.chat.send(text, options.to);
  }

  /** The user has seen the room's chat. */
  markChatRead(): void {
    this.current?.chat.markRead();
  }

  /** Whether a room is a video or an audio room (a number both plugins know is taken as video). */
  private async kindOf(room: number): Promise<RoomKind> {
    return (await this.list()).find((r) => r.id === room)?.kind ?? "video";
  }

  /** Join a room and publish our microphone (and camera with `video`); subscribe to everyone publishing. */
  async join(room: number, options: JoinOptions): Promise<CurrentRoomView> {
    this.cancelRejoin();
    return this.enter(room, options);
  }

  private async enter(room: number, options: JoinOptions): Promise<CurrentRoomView> {
    if (this.current) await this.dropCurrent(this.current);
    const janus = await this.connection();
    const listed = (await this.list().catch(() => [])).find((r) => r.id === room && (!options.kind || r.kind === options.kind));
    const kind = options.kind ?? listed?.kind ?? "video";
    const member =
      kind === "audio"
        ? await AudioBridgeMember.join(janus, room, { display: options.display, pin: options.pin })
        : await RoomMember.join(janus, room, { display: options.display, pin: options.pin });
    const current: Current = {
      room,
      kind,
      subject: listed?.subject ?? `Room ${room}`,
      pin: options.pin,
      joinOptions: { ...options, kind },
      member,
      publishing: { audio: false, video: false },
      muted: false,
      cameraOff: false,
      talking: false,
      receiving: Promise.resolve(),
      declined: new Set(),
      layers: new Map(),
      chat: new RoomChat(() => {
        if (this.current === current) this._onDidChange.fire();
      }),
      recording: listed?.recording === true,
      unwatch: () => undefined,
    };
    this.current = current;
    current.watchRoom = setInterval(() => void this.refreshListing(current), ROOM_WATCH_MS);
    current.watchRoom.unref?.();
    current.unwatch = member.onEvent((e) => {
      if (this.current !== current) return;
      if (e.kind === "publishing" && current.kind === "video") {
        if (!current.declined.has(e.participant.id) && e.participant.id !== current.screen?.id) void this.subscribe(current, [e.participant.id]);
      } else if (e.kind === "left") {
        current.declined.delete(e.id);
        current.layers.delete(e.id);
        // Gone from the room: not received any more, whenever Janus's offer without them comes.
        current.receiver?.forget(e.id);
        this.options.media.close(roomSessionId(current.room, e.id));
      } else if (e.kind === "talking" && e.id === current.member.id) current.talking = e.talking;
      else if (e.kind === "kicked" || e.kind === "closed") {
        this._onNotice.fire(e.kind === "kicked" ? `You were removed from "${current.subject}".` : `The room "${current.subject}" was closed.`);
        void this.dropCurrent(current);
      }
      this._onDidChange.fire();
    });
    try {
      await this.options.media.ensureWindow();
      await this.publish(current, kind === "video" && options.video === true);
      // An audio room's mix arrives on our own connection: nothing to subscribe to.
      // Everyone already publishing in one request: one offer, one answer.
      if (kind === "video") await this.subscribe(current, [...member.others.values()].filter((p) => p.publishing).map((p) => p.id));
      // The chat comes up beside the media (its state says when it is ready); its user name is our member id.
      void current.chat.open(() =>
        TextRoomChat.join(janus, chatPipeThrough(this.options.media, room), room, { username: String(member.id), display: options.display, pin: options.pin }),
      );
    } catch (err) {
      await this.dropCurrent(current);
      throw err;
    }
    this._onDidChange.fire();
    return this.view()!;
  }

  async leave(): Promise<void> {
    this.cancelRejoin();
    const c = this.current;
    if (!c) return;
    await this.dropCurrent(c);
  }

  private cancelRejoin(): void {
    if (!this.rejoining) return;
    clearTimeout(this.rejoining.timer);
    this.rejoining = undefined;
    this._onDidChange.fire();
  }

  /** Try again after a back-off (1 s, doubling, at most 15 s; see sip/backoff.ts). */
  private scheduleRejoin(): void {
    const r = this.rejoining;
    if (!r) return;
    r.timer = setTimeout(() => void this.tryRejoin(r), reconnectDelay(r.attempt++, { baseMs: 1000, maxMs: 15000 }));
    r.timer.unref?.();
    this._onDidChange.fire();
  }

  private async tryRejoin(r: NonNullable<RoomService["rejoining"]>): Promise<void> {
    if (this.rejoining !== r) return;
    try {
      await this.enter(r.room, r.options);
    } catch (err) {
      if (this.rejoining !== r) return;
      if (/does not exist/.test(messageOf(err))) {
        this.rejoining = undefined;
        this._onNotice.fire(`The room "${r.subject}" did not survive the rooms server's restart: you left it.`);
        this._onDidChange.fire();
        return;
      }
      this.options.log.info(`rooms: rejoining room ${r.room} failed (${messageOf(err)}); trying again`);
      this.scheduleRejoin();
      return;
    }
    if (this.rejoining !== r) return void (await this.leave()); // the user left meanwhile
    this.rejoining = undefined;
    this.options.log.info(`rooms: back in room ${r.room}`);
    this._onNotice.fire(`Back in "${r.subject}": the rooms server is there again.`);
    this._onDidChange.fire();
  }

  /**
   * After a reclaimed session: events sent while the socket was down are lost, so look at who is
   * in the room now — those who left are dropped, newcomers added (and received when they publish).
   */
  private async catchUp(c: Current): Promise<void> {
    try {
      const present = await (await this.management())[c.kind].participants(c.room);
      if (this.current === c) c.member.reconcile(present);
    } catch (err) {
      this.options.log.warn(`room ${c.room}: could not look at who is there after reconnecting: ${messageOf(err)}`);
    }
  }

  /** Mute our microphone in the room; the others are told (audio rooms: the server's mute; video rooms: our stream marks). */
  setMuted(muted: boolean): void {
    const c = this.inRoom();
    c.muted = muted;
    this.options.media.setMuted(publishSession(c.room).id, muted);
    if (c.member instanceof AudioBridgeMember) {
      c.member.setMuted(muted).catch((err) => this.options.log.warn(`room ${c.room}: could not tell the others we are ${muted ? "muted" : "unmuted"}: ${messageOf(err)}`));
    } else this.tellMarks(c);
    this._onDidChange.fire();
  }

  /** Switch our camera off (no frames sent; the others see "camera off") or on again. Video rooms. */
  setCameraOff(off: boolean): void {
    const c = this.inRoom();
    if (!c.publishing.video) throw new Error(off ? "you are not sending video in this room" : "you joined without your camera: leave and join with video");
    c.cameraOff = off;
    this.options.media.setCameraOff(publishSession(c.room).id, off);
    this.tellMarks(c);
    this._onDidChange.fire();
  }

  private tellMarks(c: Current): void {
    if (!(c.member instanceof RoomMember)) return;
    c.member.mark({ muted: c.muted, cameraOff: c.cameraOff }).catch((err) => this.options.log.warn(`room ${c.room}: could not tell the others our marks: ${messageOf(err)}`));
  }

  /**
   * Receive one publisher's feed (subscribe) or stop (unsubscribe). A feed stopped by hand stays
   * stopped until asked for again, even if its publisher publishes anew.
   */
  async setReceiving(memberId: number, on: boolean): Promise<void> {
    const c = this.inRoom();
    const p = c.member.others.get(memberId);
    if (!p) throw new Error(`nobody with member id ${memberId} is in the room`);
    if (c.kind !== "video") throw new Error("an audio room mixes everyone on the server: there is no feed to choose");
    if (on) {
      c.declined.delete(memberId);
      if (!p.publishing) throw new Error(`${p.display || `member ${memberId}`} is not sending anything`);
      await this.subscribe(c, [memberId]);
      if (!c.receiver?.has(memberId)) throw new Error(`could not receive ${p.display || `member ${memberId}`} (see the log)`);
    } else {
      c.declined.add(memberId);
      await this.unsubscribe(c, memberId);
    }
    this._onDidChange.fire();
  }

  /** Receive a publisher's video in the high (large tile) or low (small tile) simulcast layer. */
  async setLayer(memberId: number, layer: "high" | "low"): Promise<void> {
    const c = this.inRoom();
    // Asked even when it is Janus's default (the full picture): it costs the new stage tile a
    // keyframe wait (~300 ms on the bench), but that keyframe request is what a recording of a
    // simulcast publisher started on — without it, a recorded publisher's video file stayed
    // empty in 1 of 7 runs of roomRecording (Janus records the best layer from a keyframe).
    if (c.layers.get(memberId) === layer) return;
    c.layers.set(memberId, layer);
    if (c.receiver?.has(memberId)) await c.receiver.setSubstream(memberId, SUBSTREAM[layer]);
  }

  /**
   * Share our screen in a video room: a second publisher of ours (same name, its video described
   * as "screen"), so the others get it as its own feed and tile; or stop sharing.
   */
  async shareScreen(on: boolean): Promise<void> {
    const c = this.inRoom();
    if (c.kind !== "video") throw new Error("screen sharing needs a video room");
    if (!on) return this.stopScreen(c);
    if (c.screen) return;
    const screen = await RoomMember.join(await this.connection(), c.room, { display: c.joinOptions.display, pin: c.pin });
    c.screen = screen;
    const session = screenSession(c.room);
    try {
      const { sdp } = await this.options.media.getDescription(session, { hold: false, video: "send" });
      const answer = await screen.publish(sdp, { video: true, marks: { muted: false, cameraOff: false, screen: true } });
      await this.options.media.setDescription(session, answer);
    } catch (err) {
      await this.stopScreen(c);
      throw new Error(`the screen could not be shared: ${messageOf(err)}`);
    }
    this._onDidChange.fire();
  }

  private async stopScreen(c: Current): Promise<void> {
    const screen = c.screen;
    if (!screen) return;
    c.screen = undefined;
    this.options.media.close(screenSession(c.room).id);
    await screen.leave().catch(() => undefined);
    this._onDidChange.fire();
  }

  private inRoom(): Current {
    if (!this.current) throw new Error("you are not in a room");
    return this.current;
  }

  /** Connect again (new credentials): the room we are in, if any, is joined again. */
  async reconnect(): Promise<void> {
    const c = this.current;
    const janus = this.janus;
    this.janus = undefined;
    this.admin = undefined;
    if (c) await this.dropCurrent(c);
    await janus?.close();
    if (c) await this.join(c.room, c.joinOptions).catch((err) => this._onNotice.fire(`Could not rejoin "${c.subject}": ${messageOf(err)}`));
  }

  async dispose(): Promise<void> {
    this.cancelRejoin();
    await this.leave().catch(() => undefined);
    const janus = this.janus;
    this.janus = undefined; // closing on purpose: nothing to report
    this.admin = undefined;
    await janus?.close();
  }

  /** The id under which the call window has `feed`'s media in the current room, while we receive it (tests, stats). */
  subscriptionSession(feed: number): string | undefined {
    const c = this.current;
    return c?.receiver?.has(feed) ? roomSessionId(c.room, feed) : undefined;
  }

  publishSessionId(): string | undefined {
    return this.current ? publishSession(this.current.room).id : undefined;
  }

  private async publish(c: Current, video: boolean): Promise<void> {
    const session = publishSession(c.room);
    const { sdp } = await this.options.media.getDescription(session, { hold: false, video: video ? "send" : "none" });
    const answer = c.member instanceof RoomMember ? await c.member.publish(sdp, { video, marks: { muted: c.muted, cameraOff: c.cameraOff } }) : await c.member.publish(sdp);
    await this.options.media.setDescription(session, answer);
    c.publishing = { audio: true, video };
  }

  /**
   * Receive these publishers: the first ones open the room's receiver (one subscriber handle, one
   * peer connection), later ones are added to it. Queued behind other changes to what we receive.
   */
  private subscribe(c: Current, feeds: number[]): Promise<void> {
    return this.receivingChange(c, async () => {
      const wanted = feeds.filter((f) => !c.receiver?.has(f));
      if (!wanted.length || !(c.member instanceof RoomMember)) return;
      try {
        if (c.receiver) await c.receiver.add(wanted);
        else {
          c.receiver = await RoomReceiver.open(await this.connection(), c.room, wanted, {
            privateId: c.member.privateId,
            pin: c.pin,
            answer: (offer, streams) => this.answerFeeds(c, offer, streams),
            onChange: () => this.current === c && this._onDidChange.fire(),
            onError: (err) => this.options.log.warn(`room ${c.room}: an offer of the rooms server could not be answered: ${messageOf(err)}`),
          });
          if (this.current !== c) return void (await c.receiver.close());
        }
        for (const feed of wanted) {
          const layer = c.layers.get(feed);
          if (layer && c.receiver.has(feed)) await c.receiver.setSubstream(feed, SUBSTREAM[layer]).catch((err) => this.options.log.warn(`room ${c.room}: feed ${feed}: could not choose its layer: ${messageOf(err)}`));
        }
      } catch (err) {
        this.options.log.warn(`room ${c.room}: could not receive ${wanted.length > 1 ? `feeds ${wanted.join(", ")}` : `feed ${wanted[0]}`}: ${messageOf(err)}`);
      }
      this._onDidChange.fire();
    });
  }

  private unsubscribe(c: Current, feed: number): Promise<void> {
    return this.receivingChange(c, async () => {
      await c.receiver?.remove([feed]).catch((err) => this.options.log.warn(`room ${c.room}: feed ${feed}: ${messageOf(err)}`));
      this._onDidChange.fire();
    });
  }

  private receivingChange(c: Current, change: () => Promise<void>): Promise<void> {
    const turn = c.receiving.then(() => (this.current === c ? change() : undefined));
    c.receiving = turn.catch(() => undefined);
    return turn;
  }

  /** Janus's offer for the room's receiving session, answered in the call window. */
  private async answerFeeds(c: Current, offerSdp: string, streams: ReceivedStream[]): Promise<string> {
    const session = receiveSession(c.room);
    await this.options.media.setDescription(session, offerSdp, streams);
    return (await this.options.media.getDescription(session, { hold: false, video: "receive" })).sdp;
  }

  private async dropCurrent(c: Current): Promise<void> {
    if (this.current === c) this.current = undefined;
    clearInterval(c.watchRoom);
    c.unwatch();
    await c.chat.close();
    await this.stopScreen(c);
    const receiver = c.receiver;
    c.receiver = undefined;
    this.options.media.close(receiveSession(c.room).id);
    await receiver?.close();
    this.options.media.close(publishSession(c.room).id);
    await c.member.leave().catch(() => undefined);
    this._onDidChange.fire();
  }

  /**
   * A phone caller into an audio room (rooms/dialIn): a plain-RTP participant of its own, whose
   * audio Janus sends to `rtpPort` on this machine. Not "the room we are in": any number of
   * callers can be bridged while we are elsewhere.
   */
  async joinByPhone(room: number, options: { display: string; pin?: string; rtpPort: number }): Promise<{ member: AudioBridgeMember; rtp: { ip: string; port: number } }> {
    const janus = await this.connection();
    const serverHost = new URL(this.options.server()!).hostname.replace(/^\[|\]$/g, "");
    const ip = await localAddressToward(serverHost);
    return AudioBridgeMember.joinByPhone(janus, room, { display: options.display, pin: options.pin, rtp: { ip, port: options.rtpPort } });
  }

  private async connection(): Promise<JanusConnection> {
    if (this.janus?.connected) return this.janus;
    if (this.janus?.isReclaiming) {
      const janus = this.janus;
      const back = await janus.ready().then(() => true, () => false);
      if (back && this.janus === janus) return janus;
      if (this.janus?.connected) return this.janus;
    }
    const url = this.options.server();
    if (!url) throw new Error("no rooms server is set up (setting softphone.rooms.server)");
    const credentials = (await this.options.credentials?.(url)) ?? {};
    this.adminKey = credentials.adminKey;
    const janus = new JanusConnection(url, { apiSecret: credentials.apiSecret });
    await janus.open();
    janus.onDropped(() => {
      if (this.janus !== janus) return;
      this.options.log.info("rooms: the connection to the rooms server dropped; reclaiming the session");
      this._onDidChange.fire();
    });
    janus.onReclaimed(() => {
      if (this.janus !== janus) return;
      this.options.log.info("rooms: reclaimed the session: still in the room");
      if (this.current) void this.catchUp(this.current);
      this._onDidChange.fire();
    });
    janus.onClosed((reason) => {
      if (this.janus !== janus) return;
      this.janus = undefined;
      this.admin = undefined;
      this.options.log.warn(`rooms: ${reason}`);
      const c = this.current;
      if (c) {
        this._onNotice.fire(`Lost the rooms server: rejoining "${c.subject}" as soon as it is back.`);
        void this.dropCurrent(c);
        this.rejoining = { room: c.room, kind: c.kind, subject: c.subject, options: c.joinOptions, attempt: 0 };
        this.scheduleRejoin();
      }
    });
    this.janus = janus;
    return janus;
  }

  private async management(): Promise<Record<RoomKind, RoomAdmin>> {
    const janus = await this.connection();
    const adminKey = this.adminKey;
    if (!this.admin) this.admin = { video: await RoomAdmin.attach(janus, "video", { adminKey }), audio: await RoomAdmin.attach(janus, "audio", { adminKey }) };
    return this.admin;
  }
}

function publishSession(room: number): MediaSessionRef {
  return { id: roomSessionId(room, "publish"), owner: { kind: "room", roomId: room, feed: "publish" } };
}

function receiveSession(room: number): MediaSessionRef {
  return { id: roomSessionId(room, "receive"), owner: { kind: "room", roomId: room, feed: "receive" } };
}

function screenSession(room: number): MediaSessionRef {
  return { id: roomSessionId(room, "screen"), owner: { kind: "room", roomId: room, feed: "screen" } };
}
