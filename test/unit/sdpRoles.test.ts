// The DTLS role in our answers: passive whenever the offer lets us choose.
import assert from "node:assert/strict";
import { passiveWhenAllowed } from "../../webview/callwindow/sdpRoles";

const answer = (setup: string) => ({ type: "answer", sdp: `v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:${setup}\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=setup:${setup}\r\n` });

describe("DTLS role in our answers", () => {
  it("answers passive (every m-line) when the offer says actpass", () => {
    const out = passiveWhenAllowed(answer("active"), "v=0\r\na=setup:actpass\r\n");
    assert.equal((out.sdp.match(/a=setup:passive\r\n/g) ?? []).length, 2);
    assert.doesNotMatch(out.sdp, /a=setup:active/);
    assert.equal(out.type, "answer");
  });
  it("keeps active when the offerer is passive (rtpengine towards browsers), or the offer is unknown", () => {
    assert.deepEqual(passiveWhenAllowed(answer("active"), "v=0\r\na=setup:passive\r\n"), answer("active"));
    assert.deepEqual(passiveWhenAllowed(answer("active"), undefined), answer("active"));
  });
});
