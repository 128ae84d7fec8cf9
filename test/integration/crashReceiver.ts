// A softphone in a process of its own, for tests that kill it with SIGKILL (not a test file:
// mocha runs *.test.js only). Registers the account given (bench password), keeps its history
// and messages in the folder given, prints "ready" once registered, and runs until killed.
// usage: node out/test/integration/crashReceiver.js HISTORY_DIR ACCOUNT_ID
import { join } from "node:path";
import { Softphone } from "../../src/softphone";
import { consoleLogger } from "../../src/util/logger";
import { PBX } from "../support/pbx";
import { benchAccount } from "../support/phoneBench";

const [historyDir, accountId] = process.argv.slice(2);
const repo = join(__dirname, "../../..");
const phone = new Softphone({
  log: { ...consoleLogger(`child-${accountId}`), info: () => undefined },
  historyDir,
  webviewDir: join(repo, "dist/webview"),
  mediaDir: join(repo, "media"),
  password: async (id) => (PBX.users as Record<string, string>)[id],
  openWindow: async () => {
    throw new Error("no call window in this process");
  },
  settings: () => ({ sipTrace: false, dtmfMode: "rfc4733" }),
  callWindowPort: 0,
});
void phone.start([benchAccount(accountId)]).then(() => {
  const check = setInterval(() => {
    if (phone.getState().accounts[0]?.state === "registered") {
      clearInterval(check);
      process.stdout.write("ready\n");
    }
  }, 50);
});
