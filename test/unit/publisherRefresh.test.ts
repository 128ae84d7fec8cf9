// sip.js's Publisher refreshes from a timer and throws when that timer fires without an ETag (a
// timer left armed by two PUBLISHes answered close together, firing after dispose): an uncaught
// exception in the extension host (seen after a registrar restart). guardRefresh turns it into
// a report. No network: the user agent is never started.
import assert from "node:assert/strict";
import { Publisher, UserAgent } from "sip.js";
import { guardRefresh } from "../../src/presence/publisherRefresh";

function publisher(): Publisher {
  const ua = new UserAgent({ uri: UserAgent.makeURI("sip:alice@example.com"), transportOptions: { server: "wss://sip.example.com" }, logBuiltinEnabled: false });
  return new Publisher(ua, UserAgent.makeURI("sip:alice@example.com")!, "presence", { expires: 600 });
}
/** What sip.js's refresh timer calls. */
const fireRefreshTimer = (p: Publisher) => (p as unknown as { refreshRequest(): void }).refreshRequest();

describe("presence publication refresh", () => {
  it("sip.js's own refresh throws when it fires without an ETag (the failure being guarded)", async () => {
    const p = publisher();
    await p.dispose();
    assert.throws(() => fireRefreshTimer(p), /Etag undefined/);
  });

  it("a guarded refresh without an ETag reports the failure instead of throwing from the timer", async () => {
    const failures: string[] = [];
    const p = guardRefresh(publisher(), (err) => failures.push(String(err)));
    await p.dispose();
    assert.doesNotThrow(() => fireRefreshTimer(p));
    assert.deepEqual(failures, ["Error: Etag undefined"]);
  });
});
