// A softphone in a process of its own whose call window is a page of the parent's browser, for
// tests that kill it with SIGKILL mid-call (not a test file: mocha runs *.test.js only).
// Registers ACCOUNT_ID (bench password), keeps its history in HISTORY_DIR, and talks to the
// parent in JSON lines on stdout:
//   {"event":"window","url":…}     open this call-window URL (the parent's browser does)
//   {"event":"registered"}         the account is registered
//   {"event":"incall","id":…}      (with TARGET) the call is up and its audio arrives
//   {"event":"history","entries":[…]}  answer to "history" on stdin
//   {"event":"error","message":…}  something above failed
// usage: node out/test/integration/crashCaller.js HISTORY_DIR ACCOUNT_ID [TARGET]
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Softphone } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { assertAudioArrives, waitCallState } from "../support/callProbes";
import { PBX } from "../support/pbx";
import { benchAccount } from "../support/phoneBench";
import { waitFor } from "../support/wait";

const [historyDir, accountId, target] = process.argv.slice(2);
const say = (event: string, rest: Record<string, unknown> = {}) => process.stdout.write(JSON.stringify({ event, ...rest }) + "\n");
const repo = join(__dirname, "../../..");
const log = consoleLogger(`child-${accountId}`);
const phone = new Softphone({
  // Info lines go to stderr: stdout is the parent's channel.
  log: { ...log, info: (m: string) => void process.stderr.write(`[child-${accountId}] ${m}\n`) },
  historyDir,
  webviewDir: join(repo, "dist/webview"),
  mediaDir: join(repo, "media"),
  password: async (id) => (PBX.users as Record<string, string>)[id],
  openWindow: async (url) => void say("window", { url }),
  settings: () => ({ sipTrace: !!process.env.CHILD_SIP_TRACE, dtmfMode: "rfc4733" }),
  callWindowPort: 0,
});

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "history") void phone.recentCalls().then((entries) => say("history", { entries }));
});

void (async () => {
  try {
    await phone.start([benchAccount(accountId!)]);
    await waitFor(`${accountId} registered`, () => phone.getState().accounts[0]?.state === "registered", 20000);
    say("registered");
    if (!target) return;
    const id = await phone.dial(target);
    await waitCallState(phone, id, "incall", 20000);
    await assertAudioArrives(phone, id, `${accountId} in the child`);
    say("incall", { id });
  } catch (err) {
    say("error", { message: String((err as Error)?.message ?? err) });
  }
})();
