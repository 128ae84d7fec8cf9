// Integration: dial plans and caller ID on the real bench. alice dials from Berlin (DE, area code
// 30); baresip is also the phone number +4930555000, and Kamailio routes only that E.164 form to
// it (scripts/pbx/conf/kamailio.cfg). Every way of typing the number must reach baresip: the call
// is answered, audio arrives, and the INVITE Kamailio received names the same E.164 user.
// Incoming: a sipp UAC whose INVITE carries a P-Asserted-Identity that differs from its From.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CallView } from "../../src/protocol/model";
import { assertAudioArrives, callView, nextIncoming, waitCallState } from "../support/callProbes";
import { baresipCallCount, PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { waitFor } from "../support/wait";

describe("dial plan: +<cc><number>, a national and a local number all reach baresip; caller ID from P-Asserted-Identity", function () {
  this.timeout(90000);
  let bench: PhoneBench;

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("dialplan", [benchAccount("alice", { dialPlan: { countryCode: "DE", areaCode: "30" } })]);
  });
  after(async () => bench?.stop());
  afterEach(async () => {
    for (const c of bench.phone.calls.views()) if (c.state !== "cleared") await bench.phone.calls.hangup(c.id).catch(() => undefined);
    await waitFor("every call to clear", () => bench.phone.calls.views().every((c) => c.state === "cleared"), 10000);
    await waitFor("baresip to have no call", async () => (await baresipCallCount(bench.pbx)) === 0, 10000, 200);
  });

  const kamailioLog = () => join(bench.pbx.runDir, "logs/kamailio.log");
  const logSize = () => statSync(kamailioLog()).size;
  /** Request-URIs of the INVITEs Kamailio logged after byte `from` ("REQ INVITE <R-URI> from ws:..."). */
  const invitesSince = (from: number): string[] =>
    [...readFileSync(kamailioLog()).subarray(from).toString("utf8").matchAll(/REQ INVITE (\S+) from ws:/g)].map((m) => m[1]!);

  const expectedUri = `sip:${PBX.number}@${PBX.domain}`;

  for (const typed of ["+49 30 555000", "0049 30 555000", "030 555000", "555000"]) {
    it(`${JSON.stringify(typed)} reaches baresip as ${PBX.number}: answered, audio arrives, Kamailio saw the E.164 user`, async () => {
      const phone = bench.phone;
      const logFrom = logSize();
      const id = await phone.calls.dial(typed, { accountId: "alice" });
      assert.equal(callView(phone, id)?.remote.uri, expectedUri, "the call shows the normalised number");
      // incall or cleared, whichever first: a refused number fails here with its SIP status, not a timeout.
      const settled = await waitFor<CallView>(`the call to ${typed} to be answered or to fail`, () => {
        const v = callView(phone, id);
        return v && (v.state === "incall" || v.state === "cleared") && v;
      }, 20000);
      assert.equal(settled.state, "incall", `the call to ${JSON.stringify(typed)} (${expectedUri}) was not answered: ${settled.reason} ${settled.status ?? ""}`);
      await assertAudioArrives(phone, id, `alice (baresip's tone, dialled as ${JSON.stringify(typed)})`);
      const invites = invitesSince(logFrom);
      assert.ok(invites.length > 0, "Kamailio logged the INVITE");
      assert.deepEqual([...new Set(invites)], [expectedUri], `every INVITE from alice carried the E.164 user (${invites.join(", ")})`);
      await phone.calls.hangup(id);
      await waitCallState(phone, id, "cleared");
    });
  }

  it("an extension stays as typed: 201 is not completed to +4930201 (Kamailio: 404, no such user)", async () => {
    const phone = bench.phone;
    const logFrom = logSize();
    const id = await phone.calls.dial("201", { accountId: "alice" });
    assert.equal(callView(phone, id)?.remote.uri, `sip:201@${PBX.domain}`);
    const cleared = await waitCallState(phone, id, "cleared");
    assert.equal(cleared.status, 404);
    assert.deepEqual([...new Set(invitesSince(logFrom))], [`sip:201@${PBX.domain}`]);
  });

  it("a garbage number is refused before anything is sent", async () => {
    await assert.rejects(bench.phone.calls.dial("+999 555 000", { accountId: "alice" }), /country code/);
  });

  it("an incoming call shows the P-Asserted-Identity (name and URI), not the From", async () => {
    const phone = bench.phone;
    const incoming = nextIncoming(phone, "alice");
    const sipp = promisify(execFile)("sipp", [
      "-sf", join(bench.pbx.runDir, "conf/sipp/uac-pai-invite.xml"), "-s", "alice", "-m", "1",
      "-i", "127.0.0.1", "-p", "5093", "-mi", "127.0.0.1", "-mp", "6210", "-nostdin", "-timeout", "20",
      "-trace_err", "-error_file", join(bench.runDir, "sipp-pai.err"), "127.0.0.1:5060",
    ], { cwd: bench.runDir });
    const c = await Promise.race([incoming, sipp.then(() => Promise.reject(new Error("sipp finished before the call arrived")))]);
    assert.deepEqual(c.remote, { uri: "sip:+4930555111@127.0.0.1", displayName: "Front Desk" });
    await sipp; // sipp exits 0 only if its CANCEL got 200 + 487
    const cleared = await waitCallState(phone, c.id, "cleared");
    assert.equal(cleared.reason, "cancelled");
    await phone.calls.historySettled(c.id);
    assert.deepEqual((await phone.history.list(5)).find((e) => e.id === c.id)?.remote, { uri: "sip:+4930555111@127.0.0.1", displayName: "Front Desk" });
  });
});
