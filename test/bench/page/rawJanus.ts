// The rooms benchmark's baseline: a raw Janus client in a page — Janus's WebSocket API spoken
// directly (what janus.js does underneath, minus the library): one Janus session kept open,
// a videoroom handle per subscription or publisher, our ICE candidates trickled as they come
// (janus.js's default). installRawJanus runs inside the page: it is sent there as source text
// (Function.prototype.toString), so it must not use anything from this module's scope. The bench
// (test/bench/rooms/roomsBench.ts) require()s it, so only webview/tsconfig.json (DOM types)
// checks it; RawJanus there says what globalThis.rawJanus offers.
//
//   subscribe(room, feed)   join as a subscriber to one feed (streams: [{feed}]), answer Janus's
//                           offer, start; resolves at the first video frame ready to paint
//                           (requestVideoFrameCallback on a detached muted <video>, as the call
//                           window's MediaStats.firstFrameAt); with a substream, that simulcast
//                           layer is asked for right after start (a "configure")
//   publish(room, display)  join as a publisher and send the fake camera and microphone, the
//                           video in the call window's three simulcast layers (rids h, m, l);
//                           with full = false the large layer h is switched off (active: false)
//   createRoom / destroyRoom, publisherStats (outbound video per rid), unpublishAll

export function installRawJanus(layers: RTCRtpEncodingParameters[]): void {
  type Json = Record<string, any>;
  let ws: WebSocket | undefined;
  let session = 0;
  let seq = 0;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  const pending = new Map<string, { resolve: (m: Json) => void; reject: (e: Error) => void; plugin: boolean }>();

  /** One request; a plugin message is acknowledged first and answered by an event with the same transaction. */
  function send(msg: Json, plugin = false): Promise<Json> {
    const transaction = `t${++seq}`;
    return new Promise((resolve, reject) => {
      pending.set(transaction, { resolve, reject, plugin });
      ws!.send(JSON.stringify({ ...msg, transaction, ...(session ? { session_id: session } : {}) }));
      setTimeout(() => {
        if (pending.delete(transaction)) reject(new Error(`janus ${msg.janus} ${msg.body?.request ?? ""}: no answer within 15 s`));
      }, 15000);
    });
  }
  function receive(ev: MessageEvent): void {
    const m = JSON.parse(String(ev.data)) as Json;
    const p = typeof m.transaction === "string" ? pending.get(m.transaction) : undefined;
    if (!p || (m.janus === "ack" && p.plugin)) return;
    pending.delete(m.transaction);
    if (m.janus === "error") return p.reject(new Error(`janus error ${m.error?.code}: ${m.error?.reason}`));
    const data = m.plugindata?.data;
    if (data?.error) return p.reject(new Error(`videoroom error ${data.error_code}: ${data.error}`));
    p.resolve(m);
  }
  const attach = async (): Promise<number> => (await send({ janus: "attach", plugin: "janus.plugin.videoroom" })).data.id;
  const message = (handle: number, body: Json, jsep?: Json) => send({ janus: "message", handle_id: handle, body, ...(jsep ? { jsep } : {}) }, true);
  const detach = (handle: number) => send({ janus: "detach", handle_id: handle }).catch(() => undefined);
  function trickle(pc: RTCPeerConnection, handle: number): void {
    pc.onicecandidate = (e) => {
      const candidate = e.candidate ? { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } : { completed: true };
      void send({ janus: "trickle", handle_id: handle, candidate }).catch(() => undefined);
    };
  }
  let admin: number | undefined;
  const adminHandle = async () => (admin ??= await attach());

  let sub: { pc: RTCPeerConnection; handle: number; video?: HTMLVideoElement } | undefined;
  const pubs: Array<{ id: number; handle: number; pc: RTCPeerConnection }> = [];
  let camera: MediaStream | undefined;

  const api = {
    async connect(url: string): Promise<void> {
      ws = new WebSocket(url, "janus-protocol");
      ws.onmessage = receive;
      await new Promise<void>((resolve, reject) => {
        ws!.onopen = () => resolve();
        ws!.onerror = () => reject(new Error(`could not connect to ${url}`));
      });
      session = (await send({ janus: "create" })).data.id;
      keepalive = setInterval(() => void send({ janus: "keepalive" }).catch(() => undefined), 20000);
    },
    async createRoom(options: Json): Promise<number> {
      const r = await message(await adminHandle(), { request: "create", ...options });
      return r.plugindata.data.room;
    },
    async destroyRoom(room: number, secret: string): Promise<void> {
      await message(await adminHandle(), { request: "destroy", room, secret });
    },
    /** `substream`: then asked for right after start, as the call window's tiles ask their layer. */
    async subscribe(room: number, feed: number, timeoutMs: number, substream?: number): Promise<{ startedMs: number; iceMs?: number; frameMs: number }> {
      const t0 = Date.now();
      const handle = await attach();
      const pc = new RTCPeerConnection();
      let iceAt: number | undefined;
      pc.addEventListener("iceconnectionstatechange", () => {
        if (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed") iceAt ??= Date.now();
      });
      sub = { pc, handle };
      const s = sub;
      const frame = new Promise<number>((resolve, reject) => {
        setTimeout(() => reject(new Error(`no video frame within ${timeoutMs} ms`)), timeoutMs);
        pc.ontrack = (e) => {
          if (e.track.kind !== "video" || s.video) return;
          const v = document.createElement("video") as HTMLVideoElement & { requestVideoFrameCallback(cb: () => void): number };
          v.muted = true;
          v.srcObject = new MediaStream([e.track]);
          v.requestVideoFrameCallback(() => resolve(Date.now()));
          void v.play().catch(() => undefined);
          s.video = v;
        };
      });
      frame.catch(() => undefined);
      const joined = await message(handle, { request: "join", ptype: "subscriber", room, streams: [{ feed }] });
      trickle(pc, handle);
      await pc.setRemoteDescription(joined.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await message(handle, { request: "start" }, { type: "answer", sdp: pc.localDescription!.sdp });
      const startedMs = Date.now() - t0;
      if (substream !== undefined) {
        const mid = pc.getTransceivers().find((t) => t.receiver.track.kind === "video")?.mid;
        await message(handle, { request: "configure", streams: [{ mid, substream }] });
      }
      const frameMs = (await frame) - t0;
      return { startedMs, frameMs, ...(iceAt !== undefined ? { iceMs: iceAt - t0 } : {}) };
    },
    async unsubscribe(): Promise<void> {
      const s = sub;
      sub = undefined;
      if (!s) return;
      if (s.video) s.video.srcObject = null;
      s.pc.close();
      await message(s.handle, { request: "leave" }).catch(() => undefined);
      await detach(s.handle);
    },
    /** `full`: all three layers; else the large one (h) is switched off (a small tile never gets it). */
    async publish(room: number, display: string, fps: number, full: boolean): Promise<number> {
      camera ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: fps } } });
      const handle = await attach();
      const joined = await message(handle, { request: "join", ptype: "publisher", room, display });
      const pc = new RTCPeerConnection();
      trickle(pc, handle);
      pc.addTransceiver(camera.getAudioTracks()[0], { direction: "sendonly" });
      pc.addTransceiver(camera.getVideoTracks()[0], { direction: "sendonly", sendEncodings: layers.map((l) => (full || l.rid !== "h" ? l : { ...l, active: false })) });
      await pc.setLocalDescription(await pc.createOffer());
      const r = await message(handle, { request: "configure", audio: true, video: true }, { type: "offer", sdp: pc.localDescription!.sdp });
      await pc.setRemoteDescription(r.jsep);
      const id = joined.plugindata.data.id as number;
      pubs.push({ id, handle, pc });
      return id;
    },
    async publisherStats(): Promise<Array<Record<string, { framesEncoded: number; frameWidth?: number; limitation?: string }>>> {
      return Promise.all(
        pubs.map(async (p) => {
          const out: Record<string, { framesEncoded: number; frameWidth?: number; limitation?: string }> = {};
          (await p.pc.getStats()).forEach((s: Json) => {
            if (s.type === "outbound-rtp" && s.kind === "video") out[s.rid ?? "-"] = { framesEncoded: s.framesEncoded ?? 0, frameWidth: s.frameWidth, limitation: s.qualityLimitationReason };
          });
          return out;
        }),
      );
    },
    async unpublishAll(): Promise<void> {
      for (const p of pubs.splice(0)) {
        p.pc.close();
        await message(p.handle, { request: "leave" }).catch(() => undefined);
        await detach(p.handle);
      }
      camera?.getTracks().forEach((t) => t.stop());
      camera = undefined;
    },
    async close(): Promise<void> {
      await api.unsubscribe();
      await api.unpublishAll();
      clearInterval(keepalive);
      if (session) await send({ janus: "destroy" }).catch(() => undefined);
      ws?.close();
    },
  };
  (globalThis as unknown as { rawJanus: typeof api }).rawJanus = api;
}
