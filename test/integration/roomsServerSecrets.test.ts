// Integration: a rooms server that wants an API secret (Janus api_secret, in every request) and
// an admin key to create rooms (the plugins' admin_key). A second Janus on the bench, started
// here from a copy of the bench's configuration with both set (port 8288), stopped by PID.
// Without the secret: refused, saying so; with it but no admin key: rooms can be listed and
// joined, creating one is refused saying what is missing; with both: created, joined, chat.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RoomsServerCredentials } from "../../src/rooms/roomModel";
import { startRoomPhones, type RoomPhones } from "../support/roomProbes";
import { waitFor } from "../support/wait";

const PORT = 8288;
const API_SECRET = "api-s3cret-for-tests";
const ADMIN_KEY = "admin-key-for-tests";

describe("a rooms server with an API secret and an admin key (a second Janus)", function () {
  this.timeout(90000);
  let rig: RoomPhones;
  let janus: ChildProcess | undefined;
  let credentials: RoomsServerCredentials = {};

  before(async function () {
    this.timeout(120000);
    rig = await startRoomPhones("roomauth", 1, { roomsServer: () => `ws://127.0.0.1:${PORT}`, roomsCredentials: async () => credentials });
    const dir = join(rig.bench.runDir, "janus-auth");
    cpSync(join(rig.bench.pbx.runDir, "conf/janus"), dir, { recursive: true });
    const edit = (file: string, change: (text: string) => string) => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), "utf8")));
    edit("janus.jcfg", (t) =>
      t
        .replace(/configs_folder = "[^"]*"/, `configs_folder = "${dir}"`)
        .replace("general: {", `general: {\n\tapi_secret = "${API_SECRET}"`)
        .replace(/rtp_port_range = "[^"]*"/, 'rtp_port_range = "23000-23999"'),
    );
    edit("janus.transport.websockets.jcfg", (t) => t.replace("ws_port = 8188", `ws_port = ${PORT}`));
    for (const plugin of ["videoroom", "audiobridge", "textroom"]) {
      edit(`janus.plugin.${plugin}.jcfg`, (t) => t.replace("general: {", `general: {\n\tadmin_key = "${ADMIN_KEY}"`).replace(/rtp_port_range = "[^"]*"/, 'rtp_port_range = "22000-22999"'));
    }
    const log = join(dir, "janus.log");
    janus = spawn("janus", ["-F", dir, "-C", join(dir, "janus.jcfg"), "-N", "-L", log, ...(existsSync("/sys/class/net/jxa") ? ["--ice-enforce-list=jxa"] : [])], { cwd: dir, stdio: "ignore" });
    await waitFor("the second Janus to listen", () => existsSync(log) && readFileSync(log, "utf8").includes("Websockets server started"), 15000, 100);
  });
  after(async () => {
    await rig?.phones[0].rooms.leave().catch(() => undefined);
    await rig?.stop();
    janus?.kill("SIGKILL");
  });

  it("no API secret: refused, and the error says what to set", async () => {
    const phone = rig.phones[0];
    await assert.rejects(phone.rooms.list(), /refused us: it wants an API secret \(set it with "Softphone: Set Rooms Server Secrets…"\)/);
    credentials = { apiSecret: "not-it" };
    await assert.rejects(phone.rooms.list(), /refused us: wrong API secret/);
  });

  it("the API secret alone: rooms are listed and joined; creating one is refused for the missing admin key", async () => {
    const phone = rig.phones[0];
    credentials = { apiSecret: API_SECRET };
    await phone.rooms.reconnect();
    const rooms = await phone.rooms.list();
    assert.ok(rooms.some((r) => r.subject === "Demo room"), `the demo room is listed (${rooms.map((r) => r.subject).join(", ")})`);
    await assert.rejects(phone.rooms.create({ subject: "Not allowed", secret: "s" }), /needs its admin key/);
    const inRoom = await phone.rooms.join(1000, { display: "Ann", video: false });
    assert.equal(inRoom.subject, "Demo room");
    await phone.rooms.leave();
  });

  it("with the admin key too: a room is created (with its chat) and joined", async () => {
    const phone = rig.phones[0];
    credentials = { apiSecret: API_SECRET, adminKey: ADMIN_KEY };
    await phone.rooms.reconnect();
    const id = await phone.rooms.create({ subject: "Allowed", secret: "allowed-secret" });
    const view = await phone.rooms.join(id, { display: "Ann", video: false });
    assert.equal(view.subject, "Allowed");
    await waitFor("the room's chat to be ready (its TextRoom was created with the admin key)", () => phone.rooms.view()?.chat.state === "ready", 15000, 100);
    await phone.rooms.leave();
    await phone.rooms.destroy(id, "allowed-secret");
  });
});
