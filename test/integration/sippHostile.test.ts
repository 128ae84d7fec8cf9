// Hostile SIP at alice's address through the real Kamailio (hardening issue, section 4): sipp
// sends an INVITE with huge headers and a 3000-character display name, an INVITE whose SDP is
// not SDP, and a request with a method nobody knows. Each gets the answer the RFC allows, and
// alice is still registered and can call afterwards. (RFC 4475's messages, which Kamailio would
// mostly stop before they reached us, are sent at our account directly in torture.test.ts.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CallView } from "../../src/protocol/model";
import { PBX } from "../support/pbx";
import { benchAccount, startPhoneBench, type PhoneBench } from "../support/phoneBench";
import { sleep, waitFor } from "../support/wait";

const run = promisify(execFile);

const HEAD = `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
To: <sip:alice@${PBX.domain}>
Call-ID: [call_id]
Max-Forwards: 70`;

const SDP = `v=0
o=sipp 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000`;

/** An INVITE, then CANCEL once it rings: sipp exits 0 only if we ring, and the CANCEL gets 200 and 487. */
function ringThenCancel(extraHeaders: string, displayName: string): string {
  return scenario(`
  <send retrans="500"><![CDATA[
INVITE sip:alice@${PBX.domain} SIP/2.0
${HEAD}
From: "${displayName}" <sip:mallory@evil.example>;tag=[pid]SIPpTag00[call_number]
CSeq: 1 INVITE
Contact: <sip:mallory@[local_ip]:[local_port]>
${extraHeaders}
Content-Type: application/sdp
Content-Length: [len]

${SDP}
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180"/>
  <pause milliseconds="500"/>
  <send><![CDATA[
CANCEL sip:alice@${PBX.domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-4]
From: "x" <sip:mallory@evil.example>;tag=[pid]SIPpTag00[call_number]
To: <sip:alice@${PBX.domain}>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
  <recv response="487"/>
${ack()}`);
}

const ack = () => `  <send><![CDATA[
ACK sip:alice@${PBX.domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-7]
From: "x" <sip:mallory@evil.example>;tag=[pid]SIPpTag00[call_number]
To: <sip:alice@${PBX.domain}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`;

const scenario = (body: string) => `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="hostile">
${body}
</scenario>
`;

describe("hostile SIP at alice's address through Kamailio (sipp): huge headers, SDP that is not SDP, an unknown method", function () {
  this.timeout(90000);
  let bench: PhoneBench;
  let port = 5140;
  const incoming: CallView[] = [];

  before(async function () {
    this.timeout(120000);
    bench = await startPhoneBench("sipp-hostile", [benchAccount("alice")]);
    bench.phone.onIncomingCall((c) => incoming.push(c));
  });
  after(async () => bench?.stop());

  /** Runs a scenario against Kamailio; resolves with the messages sipp exchanged (its -trace_msg file). */
  async function sipp(name: string, xml: string, extra: string[] = []): Promise<string> {
    const file = join(bench.runDir, `${name}.xml`);
    const trace = join(bench.runDir, `${name}.msg`);
    writeFileSync(file, xml);
    const p = port++;
    await run("sipp", ["-sf", file, "-m", "1", "-i", "127.0.0.1", "-p", String(p), "-mi", "127.0.0.1", "-mp", String(6300 + (p - 5140) * 2), "-nostdin", "-timeout", "30", ...extra, "-trace_msg", "-message_file", trace, "127.0.0.1:5060"], {
      cwd: bench.runDir,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err) => {
      let messages = "";
      try {
        messages = readFileSync(trace, "utf8").slice(-1500);
      } catch {
        /* no trace */
      }
      throw new Error(`sipp's ${name} failed (exit ${err.code}): ${String(err.stderr).slice(0, 300)}\n${messages}`);
    });
    return readFileSync(trace, "utf8");
  }

  const alice = () => bench.phone.accountViews().find((a) => a.id === "alice");

  it("an INVITE with 8 KB of extra headers and a 3000-character display name rings (the name cut to size) and is cancelled", async () => {
    const filler = Array.from({ length: 40 }, (_, i) => `X-Filler-${i}: ${"abcdefghij".repeat(20)}`).join("\n");
    const before = incoming.length;
    await sipp("huge-headers", ringThenCancel(filler, "M".repeat(3000)));
    const call = incoming[before];
    assert.ok(call, "the call rang at alice");
    assert.ok((call.remote.displayName ?? "").length <= 64, `display name capped (${call.remote.displayName?.length})`);
    await waitFor("the cancelled call to clear", () => bench.phone.callViews().find((c) => c.id === call.id)?.state === "cleared", 10000, 100);
    assert.equal(bench.phone.callViews().find((c) => c.id === call.id)?.reason, "cancelled");
  });

  it("an INVITE whose SDP offer is not SDP is refused at once with 488 and the reason, without ringing", async () => {
    const before = incoming.length;
    const messages = await sipp(
      "bad-sdp",
      scenario(`
  <send retrans="500"><![CDATA[
INVITE sip:alice@${PBX.domain} SIP/2.0
${HEAD}
From: <sip:mallory@evil.example>;tag=[pid]SIPpTag00[call_number]
CSeq: 1 INVITE
Contact: <sip:mallory@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=mallory 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
m=audio not-a-port RTP/AVP zero
m=video -5 garbage
]]></send>
  <recv response="100" optional="true"/>
  <recv response="488"/>
${ack()}`),
    );
    assert.match(messages, /^Warning: 399 softphone "unusable SDP offer: media line 1 does not read as one"/m, "the 488 says why");
    await sleep(300);
    assert.equal(incoming.length, before, "it never rang");
  });

  it("a request with a method nobody knows gets a final 405 or 501 (Kamailio or us), nothing else", async () => {
    const messages = await sipp(
      "unknown-method",
      scenario(`
  <send retrans="500"><![CDATA[
FROBNICATE sip:alice@${PBX.domain} SIP/2.0
${HEAD}
From: <sip:mallory@evil.example>;tag=[pid]SIPpTag00[call_number]
CSeq: 1 FROBNICATE
Content-Length: 0

]]></send>
  <recv response="405" optional="true" next="done"/>
  <recv response="501"/>
  <label id="done"/>`),
    );
    assert.match(messages, /^SIP\/2\.0 (405|501) /m);
  });

  it("afterwards alice is still registered and calls baresip", async () => {
    assert.equal(alice()?.state, "registered");
    const id = await bench.phone.dial("phone");
    await waitFor("the call to baresip to be answered", () => bench.phone.callViews().find((c) => c.id === id)?.state === "incall", 20000, 100);
    await bench.phone.act({ action: "hangup", callId: id });
    await waitFor("the call to clear", () => bench.phone.callViews().find((c) => c.id === id)?.state === "cleared", 10000, 100);
  });
});
