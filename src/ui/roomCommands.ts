// The room commands: create, join, leave, destroy, mute. Each takes arguments for scripts and
// tests (then nothing is asked) or asks what it needs. The secret of a room we create is made
// here, kept in SecretStorage (RoomSecrets) and used for destroy; nobody has to type it.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { RoomSecrets, RoomsServerSecrets } from "../rooms/roomSecrets";
import { MAX_DISPLAY_NAME, MAX_SUBJECT } from "../rooms/roomModel";
import type { Phone } from "../phone/phone";
import { safeUiText } from "../calls/remoteParty";
import { dialInCode } from "../rooms/dialIn/dialInCode";
import { MAX_CHAT_TEXT } from "../rooms/textRoom";
import { memberLabel } from "./format";
import { checkSchedule, parseWhen, type Schedule } from "../rooms/roomListing";

const PIN = /^[0-9]{6}$/;

interface Deps {
  softphone: Phone;
  secrets: RoomSecrets;
  /** The rooms server's API secret and admin key. */
  serverSecrets: RoomsServerSecrets;
  /** The rooms server URL (setting softphone.rooms.server), or undefined. */
  server: () => string | undefined;
  guarded: <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) => (...args: A) => Promise<R>;
}

export function registerRoomCommands({ softphone, secrets, serverSecrets, server, guarded }: Deps): vscode.Disposable[] {
  const rooms = softphone.rooms;
  const reg = (id: string, fn: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, fn);
  const serverUrl = (): string => {
    const url = server();
    if (!url) throw new Error('no rooms server is set up: set "softphone.rooms.server" to your Janus WebSocket URL');
    return url;
  };

  async function displayName(given: unknown): Promise<string | undefined> {
    if (typeof given === "string" && given.trim()) return given.trim().slice(0, MAX_DISPLAY_NAME);
    const account = softphone.getState().accounts[0];
    return vscode.window.showInputBox({
      title: "Softphone: your name in the room",
      value: account?.id ?? "",
      validateInput: (v) => (v.trim() && v.length <= MAX_DISPLAY_NAME ? undefined : `1 to ${MAX_DISPLAY_NAME} characters`),
    });
  }

  /** Where phone callers call (the dial-in account's address), if this softphone takes them. */
  const dialInAddress = (): string | undefined => softphone.dialInAddress();
  const dialInHint = (room: number): string => {
    const code = dialInCode(room);
    const address = dialInAddress();
    return code && address ? ` Phones dial in: call ${address} and type ${code}${softphone.getState().room?.id === room ? "" : " (then the PIN and #, if it has one)"}.` : "";
  };

  return [
    // The seed SDK's makeSipNumber: what a phone dials to reach an audio room.
    reg("softphone.makeDialInNumber", guarded(async (roomId?: unknown) => {
      const id = typeof roomId === "number" ? roomId : rooms.view()?.id;
      if (id === undefined) throw new Error("which room? (softphone.makeDialInNumber takes the room's number)");
      const code = dialInCode(id);
      if (!code) throw new Error(`room ${id} has no dial-in number (only rooms numbered below 1000000 have one)`);
      const address = dialInAddress();
      if (typeof roomId !== "number") {
        const how = address ? `call ${address}, then type ${code}` : `type ${code} after calling your dial-in number (no account here has "roomDialIn": true)`;
        const copy = await vscode.window.showInformationMessage(`Softphone: phones join room ${id} this way: ${how}.`, "Copy Number");
        if (copy) await vscode.env.clipboard.writeText(code);
      }
      return { code, ...(address ? { address } : {}) };
    })),
    // A server that wants Janus's API secret (every request) or an admin key (creating rooms): kept
    // in SecretStorage per server; empty removes. Arguments for scripts: ({ apiSecret?, adminKey? }).
    reg("softphone.setRoomsServerSecrets", guarded(async (given?: { apiSecret?: string; adminKey?: string }) => {
      const url = serverUrl();
      let credentials = given && typeof given === "object" ? given : undefined;
      if (!credentials) {
        const apiSecret = await vscode.window.showInputBox({ title: `Softphone: ${url}`, prompt: "The server's API secret (Janus api_secret), or empty for none", password: true, ignoreFocusOut: true });
        if (apiSecret === undefined) return undefined;
        const adminKey = await vscode.window.showInputBox({ title: `Softphone: ${url}`, prompt: "The admin key for creating rooms (Janus admin_key), or empty for none", password: true, ignoreFocusOut: true });
        if (adminKey === undefined) return undefined;
        credentials = { apiSecret, adminKey };
      }
      await serverSecrets.set(url, { ...(credentials.apiSecret ? { apiSecret: credentials.apiSecret } : {}), ...(credentials.adminKey ? { adminKey: credentials.adminKey } : {}) });
      await rooms.reconnect();
      return true;
    })),
    // The seed's roomList: one page (ten rooms) of all rooms or one type, for scripts and the API.
    reg("softphone.listRooms", guarded(async (kind?: unknown, page?: unknown) => {
      serverUrl();
      return rooms.listPage({ kind: kind === "video" || kind === "audio" ? kind : "all", page: typeof page === "number" ? page : 1 });
    })),
    reg("softphone.createRoom", guarded(async (subject?: unknown, options?: { pin?: string; kind?: "video" | "audio"; start?: number; end?: number }) => {
      const url = serverUrl();
      const kind =
        typeof subject === "string"
          ? options?.kind === "audio" ? "audio" : "video"
          : (
              await vscode.window.showQuickPick(
                [
                  { label: "$(device-camera-video) Video room", description: "everyone sends camera and microphone", roomKind: "video" as const },
                  { label: "$(unmute) Audio room", description: "the server mixes everyone's voice", roomKind: "audio" as const },
                ],
                { title: "Softphone: New room" },
              )
            )?.roomKind;
      if (!kind) return undefined;
      const s =
        typeof subject === "string"
          ? subject
          : await vscode.window.showInputBox({ title: "Softphone: New room", prompt: "Subject", validateInput: (v) => (v.trim() && v.trim().length <= MAX_SUBJECT ? undefined : `1 to ${MAX_SUBJECT} characters`) });
      if (s === undefined) return undefined;
      const pin =
        typeof subject === "string"
          ? options?.pin
          : await vscode.window.showInputBox({ title: "Softphone: New room", prompt: "PIN (6 digits), or empty for an open room", password: true, validateInput: (v) => (v === "" || PIN.test(v) ? undefined : "6 digits, or empty") });
      if (pin === undefined && typeof subject !== "string") return undefined;
      let schedule: Schedule = { start: options?.start, end: options?.end };
      if (typeof subject !== "string") {
        const when = await vscode.window.showInputBox({
          title: "Softphone: New room",
          prompt: "When (optional, local time): e.g. 2026-12-01 10:00 to 11:00",
          validateInput: (v) => {
            try {
              checkSchedule(parseWhen(v));
              return undefined;
            } catch (err) {
              return err instanceof Error ? err.message : String(err);
            }
          },
        });
        if (when === undefined) return undefined;
        schedule = parseWhen(when);
      }
      const secret = randomBytes(18).toString("base64url");
      const id = await rooms.create({ kind, subject: s, ...(pin ? { pin } : {}), secret, ...schedule });
      await secrets.set(url, id, secret);
      if (typeof subject !== "string") {
        const byPhone = kind === "audio" ? dialInHint(id) : "";
        const join = await vscode.window.showInformationMessage(`Softphone: room "${safeUiText(s.trim(), MAX_SUBJECT)}" created (number ${id}).${byPhone}`, "Join");
        if (join === "Join") await vscode.commands.executeCommand("softphone.joinRoom", id, { pin });
      }
      return id;
    })),
    reg("softphone.joinRoom", guarded(async (roomId?: unknown, options?: { pin?: string; displayName?: string; video?: boolean }) => {
      serverUrl();
      let id = typeof roomId === "number" ? roomId : undefined;
      let pinRequired = false;
      let kind: "video" | "audio" | undefined;
      if (id === undefined) {
        const list = await rooms.list();
        const pick = await vscode.window.showQuickPick(
          list.map((r) => ({
            label: `${r.kind === "audio" ? "$(unmute)" : "$(device-camera-video)"} ${r.pinRequired ? "$(lock) " : ""}${safeUiText(r.subject, MAX_SUBJECT)}`,
            description: `${r.kind} room · ${r.participants} in it · number ${r.id}`,
            room: r,
          })),
          { title: "Softphone: Join Room", placeHolder: list.length ? "Pick a room" : "No rooms yet: create one with Softphone: Create Room…" },
        );
        if (!pick) return undefined;
        id = pick.room.id;
        pinRequired = pick.room.pinRequired;
        kind = pick.room.kind;
      }
      let pin = options?.pin;
      if (pin === undefined && pinRequired) {
        pin = await vscode.window.showInputBox({ title: "Softphone: Join Room", prompt: "The room's PIN", password: true });
        if (pin === undefined) return undefined;
      }
      const name = await displayName(options?.displayName);
      if (!name) return undefined;
      return rooms.join(id, { display: name, pin, video: options?.video !== false, kind });
    })),
    // To everyone, or a whisper `to` one member (their member id or name); asks when called without text.
    reg("softphone.sendRoomMessage", guarded(async (text?: unknown, options?: { to?: string | number }) => {
      const room = rooms.view();
      if (!room) throw new Error("you are not in a room");
      if (typeof text === "string") return rooms.sendMessage(text, { to: options?.to });
      const everyone = { label: "$(megaphone) Everyone", id: undefined as string | undefined };
      const pick = room.chat.peers.length
        ? await vscode.window.showQuickPick([everyone, ...room.chat.peers.map((p) => ({ label: `$(person) ${safeUiText(p.display, MAX_DISPLAY_NAME)}`, description: "whisper: only they see it", id: p.id }))], {
            title: `Softphone: Message in "${safeUiText(room.subject, MAX_SUBJECT)}"`,
          })
        : everyone;
      if (!pick) return undefined;
      const typed = await vscode.window.showInputBox({
        title: pick.id === undefined ? "Softphone: Message to everyone in the room" : `Softphone: Whisper to ${safeUiText(pick.label.replace(/^\$\(person\) /, ""), MAX_DISPLAY_NAME)}`,
        validateInput: (v) => (!v.trim() ? "type a message" : v.length > MAX_CHAT_TEXT ? `${v.length} characters; at most ${MAX_CHAT_TEXT}` : undefined),
      });
      if (typed === undefined) return undefined;
      return rooms.sendMessage(typed, { to: pick.id });
    })),
    // The server records the room (files in its recording folder); rooms created here only, as it needs their secret.
    ...(["start", "stop"] as const).map((which) =>
      reg(`softphone.${which}RoomRecording`, guarded(async () => {
        const url = serverUrl();
        const room = rooms.view();
        if (!room) throw new Error("you are not in a room");
        const secret = await secrets.get(url, room.id);
        if (!secret) throw new Error(`room ${room.id} was not created here: recording it needs its secret`);
        await rooms.setRecording(secret, which === "start");
        return which === "start";
      })),
    ),
    // Remove someone from the room we are in (rooms created here: it needs the secret); they are told.
    reg("softphone.kick", guarded(async (memberId?: unknown) => {
      const url = serverUrl();
      const room = rooms.view();
      if (!room) throw new Error("you are not in a room");
      const secret = await secrets.get(url, room.id);
      if (!secret) throw new Error(`room ${room.id} was not created here: removing someone needs its secret`);
      let id = typeof memberId === "number" ? memberId : undefined;
      if (id === undefined) {
        const pick = await vscode.window.showQuickPick(
          room.others.map((p) => ({ label: `$(person) ${safeUiText(memberLabel(p), MAX_DISPLAY_NAME + 10)}`, description: `member ${p.id}`, id: p.id })),
          { title: `Softphone: Remove from "${safeUiText(room.subject, MAX_SUBJECT)}"`, placeHolder: room.others.length ? "Who?" : "Nobody else is in the room" },
        );
        if (!pick) return undefined;
        id = pick.id;
      }
      await rooms.kick(room.id, secret, id, room.kind);
      return id;
    })),
    reg("softphone.leaveRoom", guarded(async () => {
      await rooms.leave();
    })),
    reg("softphone.toggleRoomMute", guarded(() => {
      const room = rooms.view();
      if (!room) throw new Error("you are not in a room");
      rooms.setMuted(!room.muted);
      return !room.muted;
    })),
    reg("softphone.toggleRoomCamera", guarded(() => {
      const room = rooms.view();
      if (!room) throw new Error("you are not in a room");
      rooms.setCameraOff(!room.cameraOff);
      return !room.cameraOff;
    })),
    // Share the screen as its own feed (the call window asks which screen), or stop; `on` for scripts.
    reg("softphone.shareScreen", guarded(async (on?: unknown) => {
      const room = rooms.view();
      if (!room) throw new Error("you are not in a room");
      const share = typeof on === "boolean" ? on : room.screenId === undefined;
      await rooms.shareScreen(share);
      return share;
    })),
    // The seed's subscribe / unsubscribe: one publisher's feed, by member id (asks without one).
    ...([["subscribeToFeed", true], ["unsubscribeFromFeed", false]] as const).map(([name, on]) =>
      reg(`softphone.${name}`, guarded(async (memberId?: unknown) => {
        const room = rooms.view();
        if (!room) throw new Error("you are not in a room");
        let id = typeof memberId === "number" ? memberId : undefined;
        if (id === undefined) {
          const candidates = room.others.filter((p) => p.publishing && p.subscribed !== on);
          const pick = await vscode.window.showQuickPick(
            candidates.map((p) => ({ label: `$(${p.screen ? "screen-full" : "person"}) ${safeUiText(memberLabel(p), MAX_DISPLAY_NAME + 10)}`, description: `member ${p.id}`, id: p.id })),
            { title: on ? "Softphone: Receive whom?" : "Softphone: Stop receiving whom?", placeHolder: candidates.length ? "" : on ? "You receive everyone who sends" : "You receive nobody" },
          );
          if (!pick) return undefined;
          id = pick.id;
        }
        await rooms.setReceiving(id, on);
        return id;
      })),
    ),
    reg("softphone.destroyRoom", guarded(async (roomId?: unknown) => {
      const url = serverUrl();
      const id = typeof roomId === "number" ? roomId : rooms.view()?.id;
      if (id === undefined) throw new Error("which room? (softphone.destroyRoom takes the room's number)");
      const secret = await secrets.get(url, id);
      if (!secret) throw new Error(`room ${id} was not created here: its secret is unknown`);
      if (rooms.view()?.id === id) await rooms.leave();
      await rooms.destroy(id, secret);
      await secrets.delete(url, id);
    })),
  ];
}
