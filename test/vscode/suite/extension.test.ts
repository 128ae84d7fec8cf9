// Runs inside real VS Code (code-server 4.139.1 = VS Code 1.139.1) as the extension's
// integration tests: activation, commands, settings, SecretStorage, and a call placed with
// `softphone.dial` that reaches baresip through the real PBX, its audio proven by baresip's
// recording. The call window opens through code-server's openExternal into a Chromium tab.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import type { SoftphoneApi } from "../../../src/extension";
import { PBX, startPbx, wavStats, type Pbx } from "../../support/pbx";
import { sleep, waitFor } from "../../support/wait";

const EXTENSION_ID = "softphone-dev.softphone";
const runDir = process.env.RUN_DIR ?? join(__dirname, "../../../.run/vscode");

function filesUnder(dir: string, out: string[] = []): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const st = statSync(p);
      if (st.isDirectory()) filesUnder(p, out);
      else if (st.size < 5_000_000) out.push(p);
    } catch {
      /* vanished */
    }
  }
  return out;
}

describe("Softphone extension in real VS Code", function () {
  this.timeout(60000);
  let api: SoftphoneApi;
  let pbx: Pbx;
  const config = () => vscode.workspace.getConfiguration("softphone");
  const account = (id: string) => api.getState().accounts.find((a) => a.id === id);

  before(async function () {
    this.timeout(120000);
    pbx = await startPbx(join(runDir, "pbx"));
    const ext = vscode.extensions.getExtension<SoftphoneApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    await api.ready;
    // SIP trace on before any account starts, so the password test below finds the traced
    // REGISTER (with its digest Authorization) in the extension's log, through the redaction.
    await config().update("sipTrace", true, vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    this.timeout(30000);
    await config().update("accounts", [], vscode.ConfigurationTarget.Global);
    await config().update("sipTrace", undefined, vscode.ConfigurationTarget.Global);
    await pbx?.stop();
  });

  it("activates after start-up and contributes its commands", async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    const pkg = ext.packageJSON as { activationEvents: string[] };
    assert.deepEqual(pkg.activationEvents, ["onStartupFinished"], "lazy activation, never *");
    const all = await vscode.commands.getCommands(true);
    for (const c of ["softphone.dial", "softphone.answer", "softphone.decline", "softphone.hangup", "softphone.setPassword", "softphone.addAccount", "softphone.showHistory", "softphone.getState"]) {
      assert.ok(all.includes(c), `${c} registered`);
    }
  });

  it("keeps valid accounts and ignores an invalid one in softphone.accounts", async () => {
    await config().update(
      "accounts",
      [
        { id: "alice", server: PBX.ws, uri: `sip:alice@${PBX.domain}` },
        { id: "broken", server: "http://not-a-websocket", uri: "sip:x@y" },
      ],
      vscode.ConfigurationTarget.Global,
    );
    await waitFor("alice configured", () => account("alice"));
    assert.equal(account("broken"), undefined, "the invalid account is left out");
    const errors = await waitFor("settings error reported", () => api.getState().settingsErrors.length > 0 && api.getState().settingsErrors);
    assert.match(errors[0], /softphone\.accounts\[1\]\.server/, "the message names the field");
    // No password yet: a clear config reason, not a crash.
    const a = await waitFor("alice without password", () => account("alice")?.state === "failed" && account("alice"));
    assert.equal(a.reason, "config");
  });

  it("softphone.setPassword stores the password in SecretStorage (never in settings) and registers", async () => {
    await vscode.commands.executeCommand("softphone.setPassword", "alice", PBX.users.alice);
    await waitFor("alice registered", () => account("alice")?.state === "registered", 15000);
    const settingsText = JSON.stringify(config().get("accounts"));
    assert.ok(!settingsText.includes(PBX.users.alice), "not in settings");
  });

  it("softphone.getState returns the same JSON as the API", async () => {
    const fromCommand = await vscode.commands.executeCommand("softphone.getState");
    assert.deepEqual(fromCommand, api.getState());
    assert.deepEqual(account("alice"), { id: "alice", state: "registered" });
  });

  it("softphone.dial refuses a malformed number with a reason", async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand("softphone.dial", "12+34")), /A "\+" can only come first in a number, as in \+44 20 7946 0000\./);
  });

  it("softphone.dial reaches baresip; baresip hears our audio; hangup clears the call", async function () {
    this.timeout(90000);
    const before = pbx.receivedRecordings().length;
    const callId = await vscode.commands.executeCommand<string>("softphone.dial", PBX.phone);
    assert.equal(typeof callId, "string");
    const call = () => api.getState().calls.find((c) => c.id === callId);
    await waitFor("call in progress", () => call()?.state === "incall", 45000);
    const upSince = Date.now();
    await sleep(3000);
    await vscode.commands.executeCommand("softphone.hangup", callId);
    const upSeconds = (Date.now() - upSince) / 1000;
    const ended = await waitFor("call cleared", () => call()?.state === "cleared" && call());
    assert.equal(ended.reason, "ended-local");
    const rec = await waitFor("baresip recording", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    // The recording holds only the audio baresip received: all the call, less the media set-up.
    assert.ok(wav.seconds >= upSeconds - 0.75, `recording length ${wav.seconds}s for a call up ${upSeconds}s`);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);
  });

  it("rooms by command, with arguments: create with a schedule (its secret kept in SecretStorage), listed by type, a wrong PIN refused, join, the status in getState, leave, close", async function () {
    this.timeout(60000);
    await config().update("rooms.server", "ws://127.0.0.1:8188", vscode.ConfigurationTarget.Global);
    try {
      const start = Date.UTC(2030, 0, 2, 9, 0);
      const end = Date.UTC(2030, 0, 2, 10, 0);
      const id = await vscode.commands.executeCommand<number>("softphone.createRoom", "Palette room", { pin: "135790", start, end });
      assert.equal(typeof id, "number");
      // roomList: filtered by type, with the schedule the room was created with.
      const videoRooms = await vscode.commands.executeCommand<{ rooms: Array<{ id: number; subject: string; start?: number; end?: number; pinRequired: boolean }>; kind: string }>("softphone.listRooms", "video");
      assert.deepEqual(videoRooms.rooms.find((r) => r.id === id), { id, kind: "video", subject: "Palette room", start, end, pinRequired: true, participants: 0 });
      const audioRooms = await vscode.commands.executeCommand<{ rooms: Array<{ id: number }> }>("softphone.listRooms", "audio");
      assert.ok(!audioRooms.rooms.some((r) => r.id === id), "not among the audio rooms");
      // makeSipNumber: a room we create has a 6-digit number phones type after calling the dial-in account.
      const dialIn = await vscode.commands.executeCommand<{ code: string }>("softphone.makeDialInNumber", id);
      assert.equal(dialIn.code, String(id).padStart(6, "0"));
      assert.match(dialIn.code, /^\d{6}$/);
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand("softphone.joinRoom", id, { pin: "000000", displayName: "Tester", video: false })),
        new RegExp(`wrong PIN for room ${id}`),
      );
      await vscode.commands.executeCommand("softphone.joinRoom", id, { pin: "135790", displayName: "Tester", video: false });
      const room = await waitFor("getState to show the room", () => api.getState().room, 10000);
      assert.equal(room.subject, "Palette room");
      assert.deepEqual(room.publishing, { audio: true, video: false });
      assert.equal(await vscode.commands.executeCommand("softphone.toggleRoomMute"), true);
      assert.equal(api.getState().room?.muted, true);
      await vscode.commands.executeCommand("softphone.leaveRoom");
      assert.equal(api.getState().room, undefined);
      // softphone.kick with a member id: here our own, so we are the one removed (and told).
      await vscode.commands.executeCommand("softphone.joinRoom", id, { pin: "135790", displayName: "Tester", video: false });
      const me = (await waitFor("in the room again", () => api.getState().room, 10000)).memberId;
      assert.equal(await vscode.commands.executeCommand("softphone.kick", me), me);
      await waitFor("removed from the room", () => api.getState().room === undefined, 10000);
      await vscode.commands.executeCommand("softphone.destroyRoom", id);
      // Destroyed, and its secret forgotten: a second close has nothing to close with.
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand("softphone.destroyRoom", id)), /secret is unknown/);
    } finally {
      await config().update("rooms.server", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("contacts: Add, Edit and Remove Contact with arguments write the user's settings; a bad address is refused with the reason; a broken entry is reported and kept when another is saved", async () => {
    try {
      assert.deepEqual(await vscode.commands.executeCommand("softphone.addContact", "Support Desk", "sip:desk@example.com"), { name: "Support Desk", address: "sip:desk@example.com" });
      await vscode.commands.executeCommand("softphone.addContact", "Bob", "bob");
      assert.deepEqual(config().get("contacts"), [{ name: "Support Desk", address: "sip:desk@example.com" }, { name: "Bob", address: "bob" }]);
      // Edit (a new name and address, in place) and remove, with arguments.
      assert.deepEqual(await vscode.commands.executeCommand("softphone.editContact", "bob", { name: "Robert", address: "sip:bob@127.0.0.1" }), { name: "Robert", address: "sip:bob@127.0.0.1" });
      assert.deepEqual(config().get("contacts"), [{ name: "Support Desk", address: "sip:desk@example.com" }, { name: "Robert", address: "sip:bob@127.0.0.1" }]);
      await vscode.commands.executeCommand("softphone.removeContact", "sip:desk@example.com");
      assert.deepEqual(config().get("contacts"), [{ name: "Robert", address: "sip:bob@127.0.0.1" }]);
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand("softphone.addContact", "Broken", "sip:@@")), /contact\.address: "sip:@@" is not a valid sip: address/);
      await config().update("contacts", [{ name: "Ok", address: "200" }, { name: "No address" }], vscode.ConfigurationTarget.Global);
      await waitFor("the broken entry to be reported", () => api.getState().settingsErrors.some((e) => e.startsWith("softphone.contacts[1].address")), 10000);
      // Saving a contact keeps what it cannot read, as the user wrote it.
      await vscode.commands.executeCommand("softphone.addContact", "Carol", "carol");
      assert.deepEqual(config().get("contacts"), [{ name: "Ok", address: "200" }, { name: "No address" }, { name: "Carol", address: "carol" }]);
    } finally {
      await config().update("contacts", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("with the Integrated Browser available, the call window opens there (desktop-only command: stand-in)", async () => {
    // MOCK: `workbench.action.browser.open` exists only in desktop VS Code, not in code-server.
    // This stand-in records the URL it is given, as the real Integrated Browser would receive it.
    const opened: unknown[] = [];
    const standIn = vscode.commands.registerCommand("workbench.action.browser.open", (url: unknown) => void opened.push(url));
    try {
      await config().update("callWindow", "integratedBrowser", vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand("softphone.openCallWindow");
      assert.equal(opened.length, 1);
      assert.match(String(opened[0]), /^http:\/\/127\.0\.0\.1:\d+\/call\/[A-Za-z0-9_-]{32}\/$/);
      assert.ok(!String(opened[0]).includes(PBX.users.alice));
    } finally {
      standIn.dispose();
      await config().update("callWindow", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("no file the extension or VS Code wrote (settings, logs, extension storage, workspace) contains the password; the SIP trace is redacted", async () => {
    const base = process.env.RUN_DIR ?? runDir;
    const userData = join(base, "user-data");
    // The extension's output channel ("Softphone", a LogOutputChannel) is a file under logs/.
    const isOurLog = (f: string) => /[\\/]softphone-dev\.softphone[\\/]Softphone\.log$/.test(f);
    // One entry per logged message: each starts with "YYYY-MM-DD hh:mm:ss.mmm [level] ".
    const tracedRegisters = (f: string) =>
      readFileSync(f, "utf8")
        .split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[)/)
        .filter((e) => /\[alice\] SIP >>>\nREGISTER /.test(e) && /^Authorization: Digest /m.test(e));
    const ourLogs = await waitFor("the Softphone log holds a traced REGISTER with its digest Authorization", () => {
      const logs = filesUnder(join(userData, "logs")).filter(isOurLog);
      return logs.some((f) => tracedRegisters(f).length > 0) && logs;
    }, 10000);
    for (const register of ourLogs.flatMap(tracedRegisters)) {
      assert.match(register, /^Authorization: Digest [^\r\n]*response="…"/m, `the traced digest response is redacted:\n${register}`);
    }
    for (const f of ourLogs) assert.doesNotMatch(readFileSync(f, "utf8"), /Authorization:[^\r\n]*response="(?!…")/i, `no digest response unredacted in ${f}`);
    const roots = [join(userData, "User", "settings.json"), join(userData, "logs"), join(userData, "User", "globalStorage", EXTENSION_ID), join(base, "workspace")];
    let scanned = 0;
    let scannedLogs = 0;
    let scannedOurLogs = 0;
    for (const root of roots) {
      for (const f of filesUnder(root).concat(root.endsWith(".json") ? [root] : [])) {
        let text = "";
        try {
          text = readFileSync(f, "latin1");
        } catch {
          continue;
        }
        scanned++;
        if (f.startsWith(join(userData, "logs"))) scannedLogs++;
        if (isOurLog(f)) scannedOurLogs++;
        assert.ok(!text.includes(PBX.users.alice), `password found in ${f}`);
      }
    }
    assert.ok(scannedLogs > 1, `scanned VS Code's log files under ${join(userData, "logs")} (${scannedLogs} of ${scanned} files)`);
    assert.equal(scannedOurLogs, ourLogs.length, "the extension's own log was among them");
  });
});
