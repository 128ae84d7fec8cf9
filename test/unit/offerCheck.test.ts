// Which SDP offers ring and which are refused at once with 488 (src/sip/offerCheck.ts).
import assert from "node:assert/strict";
import { brokenOffer } from "../../src/sip/sipAccount";
import { unanswerableOffer } from "../../src/sip/offerCheck";

const lines = (...l: string[]) => `${l.join("\r\n")}\r\n`;

const PLAIN = lines("v=0", "o=baresip 1 2 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio 10000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=sendrecv");
const WEBRTC = lines(
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1 2",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=mid:1",
  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
  "c=IN IP4 0.0.0.0",
  "a=mid:2",
);
// RFC 4475's SDP (two media, an unusual codec): odd, but answerable.
const RFC4475 = lines("v=0", "o=mhandley 29739 7272939 IN IP4 192.0.2.3", "s=-", "c=IN IP4 192.0.2.4", "t=0 0", "m=audio 49217 RTP/AVP 0 12", "m=video 3227 RTP/AVP 31", "a=rtpmap:31 LPC");

describe("incoming SDP offers: answerable ones ring, unusable ones are refused with the reason", () => {
  it("rings for a plain RTP offer, a WebRTC offer (bundle, data channel), RFC 4475's odd SDP, a declined stream (port 0) and per-media addresses", () => {
    for (const sdp of [PLAIN, WEBRTC, RFC4475, PLAIN.replace("m=audio 10000", "m=audio 0"), lines("v=0", "o=x 1 1 IN IP4 1.2.3.4", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0", "c=IN IP4 1.2.3.4")]) {
      assert.equal(unanswerableOffer(sdp), undefined, sdp);
    }
  });

  it("refuses what is not SDP, SDP without media, a media line that does not read, an impossible port and media without an address", () => {
    const cases: Array<[string, RegExp]> = [
      ["hello, this is not SDP", /does not start with v=0/],
      [lines("v=0", "o=x 1 1 IN IP4 1.2.3.4", "s=-", "c=IN IP4 1.2.3.4", "t=0 0"), /no media line/],
      [PLAIN.replace("m=audio 10000 RTP/AVP 0 8 101", "m=audio notaport RTP/AVP 0"), /media line 1 does not read as one/],
      [PLAIN.replace("m=audio 10000", "m=audio 70000"), /no valid port/],
      [PLAIN.replace("c=IN IP4 127.0.0.1\r\n", ""), /no connection address/],
      [PLAIN.replace("m=audio 10000 RTP/AVP 0 8 101", "m= "), /media line 1 does not read as one/],
    ];
    for (const [sdp, reason] of cases) assert.match(unanswerableOffer(sdp) ?? "(rang)", reason, sdp);
  });

  it("judges only SDP bodies: no body (we offer), another type (415 elsewhere) and multipart pass", () => {
    assert.equal(brokenOffer("application/sdp", undefined), undefined);
    assert.equal(brokenOffer("application/sdp", "  "), undefined);
    assert.equal(brokenOffer("multipart/mixed;boundary=x", "garbage"), undefined);
    assert.match(brokenOffer("Application/SDP; charset=utf-8", "garbage") ?? "", /v=0/);
    assert.match(brokenOffer(undefined, "garbage") ?? "", /v=0/, "a typeless body is taken as SDP, as sip.js does");
  });
});
