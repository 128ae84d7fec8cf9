// The network watch (src/sip/networkWatch.ts): an address that comes or goes is reported once,
// loopback addresses and unchanged reads are not, and a read that throws reports nothing.
import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { NetworkWatch, type NetworkChange } from "../../src/sip/networkWatch";

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` });

describe("network watch", () => {
  it("reports an address that came and one that went, once each; loopback and unchanged reads are quiet", () => {
    let now: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [v4("127.0.0.1", true)], eth0: [v4("192.168.1.20")] };
    const seen: NetworkChange[] = [];
    const watch = new NetworkWatch(60000, () => now);
    watch.onDidChange((c) => seen.push(c));
    watch.check();
    assert.deepEqual(seen, [], "nothing changed");
    now = { lo: [v4("127.0.0.1", true), v4("127.0.0.2", true)], eth0: [v4("192.168.1.20")] };
    watch.check();
    assert.deepEqual(seen, [], "a loopback address is not the network");
    now = { lo: [v4("127.0.0.1", true)], wlan0: [v4("10.0.0.7")] };
    watch.check();
    watch.check();
    assert.deepEqual(seen, [{ added: ["wlan0 10.0.0.7"], removed: ["eth0 192.168.1.20"] }]);
    watch.dispose();
  });

  it("a read that throws (a sandbox hiding interfaces) reports nothing, and the next good read is compared with the last good one", () => {
    let fail = false;
    let now: NodeJS.Dict<NetworkInterfaceInfo[]> = { eth0: [v4("192.168.1.20")] };
    const seen: NetworkChange[] = [];
    const watch = new NetworkWatch(60000, () => {
      if (fail) throw new Error("EPERM");
      return now;
    });
    watch.onDidChange((c) => seen.push(c));
    fail = true;
    watch.check();
    fail = false;
    watch.check();
    assert.deepEqual(seen, []);
    now = {};
    watch.check();
    assert.deepEqual(seen, [{ added: [], removed: ["eth0 192.168.1.20"] }]);
    watch.dispose();
  });
});
