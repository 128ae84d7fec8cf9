// The typed request/notification channel both webviews and the call window speak. What arrives
// is not trusted: a handler that throws must cost that one message, never the channel.
import assert from "node:assert/strict";
import { RpcEndpoint, type Envelope } from "../../src/protocol/rpc";

type Spec = {
  inRequests: { add: { params: { a: number; b: number }; result: number } };
  inNotes: { ping: { n: number } };
  outRequests: Record<never, never>;
  outNotes: Record<never, never>;
};

describe("rpc endpoint", () => {
  it("a notification handler that throws costs that message only: receive() does not throw, later messages are handled", () => {
    const sent: Envelope[] = [];
    const errors: string[] = [];
    const rpc = new RpcEndpoint<Spec>((e) => sent.push(e), 1000, (method, err) => errors.push(`${method}: ${(err as Error).message}`));
    const seen: number[] = [];
    rpc.on("ping", (p) => seen.push(p.n)); // throws on params null: p.n of null
    assert.doesNotThrow(() => rpc.receive({ t: "note", method: "ping", params: null }));
    rpc.receive({ t: "note", method: "ping", params: { n: 2 } });
    assert.deepEqual(seen, [2]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^ping: /);
  });

  it("a request handler that throws answers with an error reply; the channel stays usable", async () => {
    const sent: Envelope[] = [];
    const rpc = new RpcEndpoint<Spec>((e) => sent.push(e));
    rpc.handle("add", (p) => p.a + p.b);
    rpc.receive({ t: "req", id: 1, method: "add", params: null });
    rpc.receive({ t: "req", id: 2, method: "add", params: { a: 1, b: 2 } });
    rpc.receive({ t: "req", id: 3, method: "nope", params: {} });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      sent.map((e) => (e.t === "res" ? [e.id, e.result ?? null, e.error ? "error" : null] : e)).sort((x, y) => String(x).localeCompare(String(y))),
      [
        [1, null, "error"],
        [2, 3, null],
        [3, null, "error"],
      ],
    );
  });

  it("ignores what is not an envelope", () => {
    const rpc = new RpcEndpoint<Spec>(() => undefined);
    for (const junk of [null, 5, "x", [], { t: "req" }, { t: "note" }, { t: "res", id: "1" }]) assert.doesNotThrow(() => rpc.receive(junk));
  });
});
