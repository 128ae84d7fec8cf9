// Untrusted chat text as the sidebar shows it: plain text parts, hidden characters made visible,
// links only for plain http(s) URLs.
import assert from "node:assert/strict";
import { chatParts, neutralise, safeLink } from "../../src/util/chatText";

describe("chat text made safe to show", () => {
  it("keeps HTML and Markdown as the text they are (the view only ever writes text nodes)", () => {
    const hostile = `<img src=x onerror=alert(1)> [quit](command:workbench.action.quit) **bold**`;
    assert.deepEqual(chatParts(hostile), [{ kind: "text", text: hostile }]);
  });

  it("turns only plain http(s) URLs into links, without trailing punctuation", () => {
    assert.deepEqual(chatParts("see https://example.com/a?b=1, then http://x.test."), [
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", url: "https://example.com/a?b=1" },
      { kind: "text", text: ", then " },
      { kind: "link", text: "http://x.test", url: "http://x.test/" },
      { kind: "text", text: "." },
    ]);
    for (const other of ["command:softphone.dial", "javascript:alert(1)", "file:///etc/passwd", "vscode://x", "data:text/html,hi"]) {
      assert.deepEqual(chatParts(other), [{ kind: "text", text: other }], other);
    }
  });

  it("makes bidi overrides, zero-width and control characters visible instead of letting them act", () => {
    assert.equal(neutralise("abc\u202Egnp.exe"), "abc\uFFFDgnp.exe");
    assert.equal(neutralise("pay\u200Bpal\u2066x\u0007"), "pay\uFFFDpal\uFFFDx\uFFFD");
    assert.equal(neutralise("two\nlines\tok"), "two\nlines\tok");
    // A hidden character inside a URL shows, and the URL is no link any more (it was not what it looked like).
    assert.deepEqual(chatParts("https://ex\u200Bample.com"), [{ kind: "text", text: "https://ex\uFFFDample.com" }]);
  });

  it("opens only http and https links, of sane length", () => {
    assert.equal(safeLink("https://example.com"), "https://example.com/");
    assert.equal(safeLink("command:workbench.action.quit"), undefined);
    assert.equal(safeLink("not a url"), undefined);
    assert.equal(safeLink(`https://e.com/${"a".repeat(3000)}`), undefined);
    assert.equal(safeLink(undefined), undefined);
  });

  it("copes with 10 000 characters at once", () => {
    const long = "x".repeat(5000) + " https://example.com " + "y".repeat(5000);
    const parts = chatParts(long);
    assert.equal(parts.length, 3);
    assert.equal(parts.map((p) => p.text).join(""), long);
  });
});
