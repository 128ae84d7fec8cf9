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
  });

  after(async function () {
    this.timeout(30000);
    await config().update("accounts", [], vscode.ConfigurationTarget.Global);
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
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand("softphone.dial", "12+34")), /\+/);
  });

  it("softphone.dial reaches baresip; baresip hears our audio; hangup clears the call", async function () {
    this.timeout(90000);
    const before = pbx.receivedRecordings().length;
    const callId = await vscode.commands.executeCommand<string>("softphone.dial", PBX.phone);
    assert.equal(typeof callId, "string");
    const call = () => api.getState().calls.find((c) => c.id === callId);
    await waitFor("call in progress", () => call()?.state === "incall", 45000);
    await sleep(3000);
    await vscode.commands.executeCommand("softphone.hangup", callId);
    const ended = await waitFor("call cleared", () => call()?.state === "cleared" && call());
    assert.equal(ended.reason, "ended-local");
    const rec = await waitFor("baresip recording", () => pbx.receivedRecordings().length > before && pbx.receivedRecordings().at(-1));
    await sleep(300);
    const wav = wavStats(rec);
    assert.ok(wav.peak > 0.05 && wav.rms > 0.005, `baresip heard sound (rms ${wav.rms.toFixed(4)}, peak ${wav.peak.toFixed(3)})`);
  });

  it("no file the extension or VS Code wrote contains the password", async () => {
    const userData = process.env.VSCODE_USER_DATA_DIR;
    const roots = [userData, join(runDir, "workspace")].filter((x): x is string => !!x);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    // globalStorage of this extension (history) lives under the user data dir in code-server.
    for (const root of roots) {
      for (const f of filesUnder(root)) {
        if (/\.(vsix|node|so)$/.test(f)) continue;
        let text = "";
        try {
          text = readFileSync(f, "latin1");
        } catch {
          continue;
        }
        assert.ok(!text.includes(PBX.users.alice), `password found in ${f}`);
      }
    }
    assert.ok(ext.isActive);
  });
});
