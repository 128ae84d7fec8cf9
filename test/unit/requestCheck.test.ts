// Requests RFC 3261 says to refuse and sip.js would take (src/sip/requestCheck.ts), answered
// statelessly with the RFC's status; everything else passes to sip.js untouched.
import assert from "node:assert/strict";
import { checkRequest } from "../../src/sip/requestCheck";

const request = (start: string, ...headers: string[]) =>
  [start, "Via: SIP/2.0/WS proxy.example;branch=z9hG4bK1", "Via: SIP/2.0/UDP phone.example;branch=z9hG4bK0", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: x1", ...headers, "Content-Length: 0", "", ""].join("\r\n");

describe("requests refused before sip.js sees them (RFC 4475's leniencies)", () => {
  it("passes ordinary requests, responses and what it cannot read (sip.js drops that)", () => {
    assert.equal(checkRequest(request("INVITE sip:b@example.com SIP/2.0", "CSeq: 1 INVITE", "Require: replaces", "Max-Forwards: 70")), undefined);
    assert.equal(checkRequest(request("OPTIONS sip:b@example.com SIP/2.0", "CSeq: 2 OPTIONS")), undefined);
    assert.equal(checkRequest("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nCSeq: 1 INVITE\r\n\r\n"), undefined);
    assert.equal(checkRequest("garbage\r\n\r\n"), undefined);
  });

  it("another SIP version: 505 with the request's Via (both), From, To with our tag, Call-ID and CSeq", () => {
    const r = checkRequest(request("OPTIONS sip:b@example.com SIP/7.0", "CSeq: 2 OPTIONS"));
    assert.equal(r?.status, 505);
    const lines = r!.response!.split("\r\n");
    assert.equal(lines[0], "SIP/2.0 505 Version Not Supported");
    assert.deepEqual(lines.filter((l) => l.startsWith("Via:")), ["Via: SIP/2.0/WS proxy.example;branch=z9hG4bK1", "Via: SIP/2.0/UDP phone.example;branch=z9hG4bK0"]);
    assert.match(r!.response!, /^To: <sip:b@example\.com>;tag=\w+$/m);
    assert.match(r!.response!, /^CSeq: 2 OPTIONS$/m);
    assert.match(r!.response!, /\r\nContent-Length: 0\r\n\r\n$/);
  });

  it("a CSeq of another method, a single-value header twice or with two values, headers in the Request-URI: 400 saying which", () => {
    assert.equal(checkRequest(request("INVITE sip:b@example.com SIP/2.0", "CSeq: 1 ACK"))?.reason, "CSeq method does not match the request");
    assert.equal(checkRequest(request("OPTIONS sip:b@example.com SIP/2.0", "CSeq: 1 OPTIONS", "Max-Forwards: 70", "Max-Forwards: 69"))?.reason, "Duplicate Max-Forwards header");
    assert.equal(checkRequest(request("OPTIONS sip:b@example.com SIP/2.0", "CSeq: 1 OPTIONS", "l: 0"))?.reason, "Duplicate Content-Length header", "the compact form counts");
    assert.equal(checkRequest(request("OPTIONS sip:b@example.com SIP/2.0", "CSeq: 1 OPTIONS, 2 OPTIONS"))?.reason, "Several values in CSeq");
    assert.equal(checkRequest(request("INVITE sip:b@example.com?Route=%3Csip:evil%3E SIP/2.0", "CSeq: 1 INVITE"))?.reason, "Headers in the Request-URI");
    for (const r of [checkRequest(request("INVITE sip:b@example.com SIP/2.0", "CSeq: 1 ACK"))]) assert.equal(r?.status, 400);
  });

  it("a Require naming an extension we lack: 420 Bad Extension with Unsupported listing it (not for ACK or CANCEL)", () => {
    const r = checkRequest(request("OPTIONS sip:b@example.com SIP/2.0", "CSeq: 1 OPTIONS", "Require: replaces, nothingSupportedHere", "Require: NothingSupportedHere"));
    assert.equal(r?.status, 420);
    assert.match(r!.response!, /^Unsupported: nothingsupportedhere$/m);
    assert.equal(checkRequest(request("CANCEL sip:b@example.com SIP/2.0", "CSeq: 1 CANCEL", "Require: foo")), undefined);
  });

  it("an ACK is never answered, even when refused", () => {
    const r = checkRequest(request("ACK sip:b@example.com SIP/3.0", "CSeq: 1 ACK"));
    assert.equal(r?.status, 505);
    assert.equal(r?.response, undefined);
  });
});
