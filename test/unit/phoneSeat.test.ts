// One phone per machine (hardening issue, section 1), below VS Code: windows elect an owner
// through the owner file in a shared folder and link to it over a Unix socket. Each "window"
// here is a PhoneSeat; the owner's phone is a stand-in with the Phone interface (no SIP: that
// the owner's real phone registers once is shown in code-server, test/e2e/ui.test.ts). A killed
// owner is a real child process (this file, forked), killed with SIGKILL.
//
// This file doubles as that child: the environment variable selects the role.
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { OwnerLock, localEndpoint, MAX_SOCKET_PATH, type OwnerRecord } from "../../src/phone/ownerLock";
import { PhoneHost } from "../../src/phone/phoneHost";
import type { Phone, PhoneAlerts } from "../../src/phone/phone";
import { PhoneSeat, type Seated } from "../../src/phone/phoneSeat";
import type { RemotePhone } from "../../src/phone/remotePhone";
import type { CallView, SoftphoneState } from "../../src/protocol/model";
import { Emitter } from "../../src/util/emitter";
import type { Logger } from "../../src/util/logger";
import { exited, nextMessage } from "../support/workers";

const OWNER_DIR = "PHONE_SEAT_TEST_OWNER_DIR";
const quiet: Logger = { trace: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

if (process.env[OWNER_DIR]) void ownForever(process.env[OWNER_DIR]!);
else describeSeats();

/** The child: claims the phone, listens, reports, and waits to be killed. */
async function ownForever(dir: string): Promise<void> {
  const seat = new PhoneSeat({ lock: new OwnerLock(dir), log: quiet, focused: () => false, becomeOwner: async (record) => ownerSeat(new FakePhone("child"), record), becomeWindow: windowSeat });
  const seated = await seat.take();
  process.send!({ type: seated?.role === "owner" ? "owner" : "error", message: seated?.role });
  setInterval(() => undefined, 60000);
}

/** A phone with the Phone interface and no insides: it records what it is asked to do. */
class FakePhone {
  readonly ran: Array<{ method: string; args: unknown[] }> = [];
  readonly stateChanged = new Emitter<SoftphoneState>();
  readonly incoming = new Emitter<{ call: CallView; accountLabel: string }>();
  calls: CallView[] = [];
  constructor(readonly name: string) {}
  readonly contacts = [];
  readonly settingsErrors = [];
  readonly roomsAvailable = false;
  readonly callWindowConnected = false;
  getState(): SoftphoneState {
    return { accounts: [{ id: this.name, state: "registered" }], calls: [], callWindow: { connected: false }, settingsErrors: [] };
  }
  accountViews() {
    return [{ id: this.name, label: this.name, uri: `sip:${this.name}@example.test`, state: "registered" as const, isDefault: true }];
  }
  callViews() {
    return this.calls;
  }
  currentCall() {
    return undefined;
  }
  devices() {
    return { devices: [], inUse: {} };
  }
  dialInAddress() {
    return undefined;
  }
  async dial(target: string, options?: unknown) {
    this.ran.push({ method: "dial", args: [target, options] });
    if (target === "nobody") throw new Error("nobody is not a number");
    return `call-${target}`;
  }
  async act(action: unknown) {
    this.ran.push({ method: "act", args: [action] });
  }
  readonly onDidChangeState = this.stateChanged.event;
  readonly onDidChangeHistory = new Emitter<void>().event;
  readonly onDidChangeDevices = new Emitter<never>().event;
  readonly rooms = { view: () => undefined, onDidChange: new Emitter<void>().event };
  readonly messages = { onDidChange: new Emitter<void>().event, onDidReceive: new Emitter<never>().event };
  readonly presence = { lampOf: () => "unknown" as const };
  alerts(): PhoneAlerts {
    return { onIncomingCall: this.incoming.event, onMessage: new Emitter<never>().event, onMediaError: new Emitter<never>().event, onDeviceFallback: new Emitter<never>().event, onRoomNotice: new Emitter<never>().event };
  }
}

/** What an owner window runs: the phone and its end of the link (as src/extension.ts, without VS Code). */
async function ownerSeat(phone: FakePhone, record: OwnerRecord, lock?: OwnerLock, shown?: string[]): Promise<Seated & { host: PhoneHost }> {
  const host = new PhoneHost({ phone: phone as unknown as Phone, alerts: phone.alerts(), record, log: quiet });
  host.localAlerts.onIncomingCall(({ call }) => shown?.push(`owner:${call.id}`));
  await host.listen();
  return {
    role: "owner",
    phone: phone as unknown as Phone,
    host,
    dispose: async () => {
      host.dispose();
      await lock?.release();
    },
  };
}

function windowSeat(remote: RemotePhone, name = "window", shown?: string[]): Seated {
  remote.alerts.onIncomingCall(({ call }) => shown?.push(`${name}:${call.id}`));
  return { role: "window", phone: remote, dispose: async () => remote.dispose() };
}

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function describeSeats(): void {
  describe("one phone per machine: windows elect an owner and link to it", function () {
    this.timeout(20000);
    let dir: string;
    const seats: PhoneSeat[] = [];
    /** Every phone started, by window name, in order. */
    let starts: string[] = [];
    beforeEach(async () => {
      starts = [];
      dir = await mkdtemp(path.join(os.tmpdir(), "phone-seat-"));
    });
    afterEach(async () => {
      for (const s of seats.splice(0)) await s.dispose().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });

    /** A window: owner with its own FakePhone if it wins, else linked. */
    function window(name: string, phones: Map<string, FakePhone>, shown: string[], focused = () => false): PhoneSeat {
      const lock = new OwnerLock(dir);
      const seat = new PhoneSeat({
        lock,
        log: quiet,
        focused,
        checkEveryMs: 200,
        becomeOwner: async (record) => {
          const phone = new FakePhone(name);
          phones.set(name, phone);
          starts.push(name);
          return ownerSeat(phone, record, lock, shown);
        },
        becomeWindow: (remote) => windowSeat(remote, name, shown),
      });
      seats.push(seat);
      return seat;
    }

    it("the first window owns the phone; the second links to it, mirrors its state and runs its commands there", async () => {
      const phones = new Map<string, FakePhone>();
      const shown: string[] = [];
      const a = await window("a", phones, shown).take();
      const b = await window("b", phones, shown).take();
      assert.equal(a?.role, "owner");
      assert.equal(b?.role, "window");
      assert.deepEqual([...phones.keys()], ["a"], "only the owner starts a phone");
      assert.equal(b!.phone.accountViews()[0].id, "a", "the window shows the owner's accounts");
      assert.equal(await b!.phone.dial("bob", { video: true }), "call-bob");
      assert.deepEqual(phones.get("a")!.ran, [{ method: "dial", args: ["bob", { video: true }] }]);
      await assert.rejects(b!.phone.dial("nobody"), /nobody is not a number/, "the owner's error reaches the window");
      // A state change reaches the window.
      const owner = phones.get("a")!;
      owner.calls = [{ id: "c1", state: "ringing", direction: "incoming" } as CallView];
      owner.stateChanged.fire(owner.getState());
      await until("the window to mirror the ringing call", () => b!.phone.callViews().length === 1);
      assert.equal(b!.phone.currentCall("ringing-incoming")?.id, "c1");
    });

    it("an incoming call is announced in one window only: the one focused last", async () => {
      const phones = new Map<string, FakePhone>();
      const shown: string[] = [];
      const a = (await window("a", phones, shown).take()) as Seated & { host: PhoneHost };
      const b = (await window("b", phones, shown, () => true).take()) as Seated;
      await window("c", phones, shown).take();
      await until("b and c linked", () => a.host.linkedWindows === 2);
      phones.get("a")!.incoming.fire({ call: { id: "in1" } as CallView, accountLabel: "a" });
      await until("the announcement", () => shown.length > 0);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(shown, ["b:in1"], "b, the focused window, and nobody else");
      // The owner's window gains focus after b: the next call is announced there.
      a.host.setOwnFocus(true);
      (b.phone as RemotePhone).setFocus(false);
      await new Promise((r) => setTimeout(r, 100));
      phones.get("a")!.incoming.fire({ call: { id: "in2" } as CallView, accountLabel: "a" });
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(shown, ["b:in1", "owner:in2"]);
    });

    it("the owner closing hands the phone over: the linked window becomes owner at once, and a third links to it", async () => {
      const phones = new Map<string, FakePhone>();
      const shown: string[] = [];
      const seatA = window("a", phones, shown);
      await seatA.take();
      const seatB = window("b", phones, shown);
      await seatB.take();
      const seatC = window("c", phones, shown);
      await seatC.take();
      const t0 = Date.now();
      await seatA.dispose();
      await until("b or c to own the phone", () => seatB.current?.role === "owner" || seatC.current?.role === "owner");
      const took = Date.now() - t0;
      const [owner, other] = seatB.current?.role === "owner" ? [seatB, seatC] : [seatC, seatB];
      await until("the other to link to the new owner", () => other.current?.role === "window");
      assert.equal(other.current!.phone.accountViews()[0].id, owner === seatB ? "b" : "c", "linked to the new owner");
      assert.ok(took < 2000, `handed over in ${took} ms`);
      console.log(`      handover after the owner closed: ${took} ms`);
    });

    it("the owner killed with SIGKILL (its socket file left behind): a linked window takes over", async () => {
      const child = fork(__filename, [], { env: { ...process.env, [OWNER_DIR]: dir }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      try {
        await nextMessage(child, "owner");
        const phones = new Map<string, FakePhone>();
        const seatB = window("b", phones, []);
        assert.equal((await seatB.take())?.role, "window", "linked to the child");
        const t0 = Date.now();
        child.kill("SIGKILL");
        await exited(child);
        await until("b to own the phone", () => seatB.current?.role === "owner");
        console.log(`      takeover after SIGKILL: ${Date.now() - t0} ms`);
        assert.equal((await new OwnerLock(dir).holder())?.pid, process.pid);
      } finally {
        child.kill("SIGKILL");
      }
    });

    it("a dead owner's record found by two windows at once: exactly one of them owns the phone", async () => {
      // A record of a process that is gone (pid 2^22 - 1 does not exist on this machine).
      const lock = new OwnerLock(dir);
      await lock.claim();
      const dead = { ...(await lock.holder())!, pid: 4194303, started: "1" };
      await writeFile(lock.file, JSON.stringify(dead));
      const phones = new Map<string, FakePhone>();
      const seated = await Promise.all([window("a", phones, []).take(), window("b", phones, []).take(), window("c", phones, []).take()]);
      assert.deepEqual(seated.map((s) => s?.role).sort(), ["owner", "window", "window"]);
      assert.equal(phones.size, 1, "one phone started");
    });

    it("a connection without the owner's token runs nothing and learns nothing, and the linked window's commands still run", async () => {
      const phones = new Map<string, FakePhone>();
      await window("a", phones, []).take();
      const b = await window("b", phones, []).take();
      const record = (await new OwnerLock(dir).holder())!;
      const reply = await new Promise<string>((resolve) => {
        const s = connect(record.endpoint);
        let got = "";
        s.on("data", (d) => (got += d));
        s.on("close", () => resolve(got));
        s.on("error", () => resolve(got));
        s.write('{"t":"req","id":1,"method":"dial","params":["bob"]}\n');
        s.write('{"t":"req","id":2,"method":"hello","params":{"token":"guess","version":1,"focused":false}}\n');
        setTimeout(() => s.destroy(), 1000);
      });
      assert.doesNotMatch(reply, /"result"/, "no answer with a result");
      assert.deepEqual(phones.get("a")!.ran, [], "nothing ran");
      // The intruder changed nothing for the linked window.
      assert.equal(await b!.phone.dial("carol"), "call-carol");
    });

    it("the link's address fits every platform: a Unix socket path within sun_path, a named pipe on Windows", () => {
      const long = path.join("/home", "x".repeat(120), ".vscode-server/data/User/globalStorage/softphone-dev.softphone");
      const p = localEndpoint(long, "linux", "/tmp");
      assert.ok(Buffer.byteLength(p) <= MAX_SOCKET_PATH, p);
      assert.match(p, /^\/tmp\/softphone-[0-9a-f]{20}\.sock$/);
      assert.notEqual(localEndpoint(`${long}2`, "linux", "/tmp"), p, "another storage folder, another socket");
      assert.equal(localEndpoint("/home/u/.config/Code/User/globalStorage/x", "darwin"), "/home/u/.config/Code/User/globalStorage/x/phone.sock");
      assert.match(localEndpoint("C:\\Users\\u\\AppData\\Roaming\\Code\\User\\globalStorage\\x", "win32"), /^\\\\\.\\pipe\\softphone-[0-9a-f]{20}$/);
    });

    it("the owner file deleted under a running owner is written again (the owner keeps its phone), and a window opened then links to it", async () => {
      const phones = new Map<string, FakePhone>();
      const a = window("a", phones, []);
      await a.take();
      const lock = new OwnerLock(dir);
      await rm(lock.file);
      await until("the owner to write its file again", async () => (await lock.holder()) !== undefined, 3000);
      assert.equal(a.current?.role, "owner");
      assert.equal((await window("b", phones, []).take())?.role, "window");
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(starts, ["a"], "the owner's phone never restarted, and no second phone");
    });

    it("a storage folder that cannot hold the owner file: the window runs a phone of its own rather than none", async () => {
      const notADir = path.join(dir, "file");
      await writeFile(notADir, "");
      const phone = new FakePhone("alone");
      const seat = new PhoneSeat({ lock: new OwnerLock(path.join(notADir, "storage")), log: quiet, focused: () => false, becomeOwner: async () => ({ role: "owner", phone: phone as unknown as Phone, dispose: async () => undefined }), becomeWindow: windowSeat });
      seats.push(seat);
      assert.equal((await seat.take())?.role, "owner");
    });

    it("the owner file is readable by this user only (it holds the token)", async () => {
      const lock = new OwnerLock(dir);
      await lock.claim();
      const { statSync } = await import("node:fs");
      assert.equal(statSync(lock.file).mode & 0o077, 0);
      await lock.release();
      assert.equal(existsSync(lock.file), false);
    });
  });
}
