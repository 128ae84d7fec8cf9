// The data channel of a data-only session (a room's chat on Janus TextRoom): text in, text out,
// nothing interpreted here. We open "JanusDataChannel" ourselves (as janus.js does) and also take
// any channel the server opens; text sent before the channel is open waits for it.
import { MAX_DATA_MESSAGE } from "../../src/protocol/callWindow";

export class DataPipe {
  private channel: RTCDataChannel | undefined;
  private readonly waiting: string[] = [];

  constructor(
    pc: RTCPeerConnection,
    private readonly onText: (text: string) => void,
    private readonly onOpen: () => void,
  ) {
    this.use(pc.createDataChannel("JanusDataChannel", { ordered: true }));
    pc.addEventListener("datachannel", (ev) => this.use(ev.channel));
  }

  send(text: string): void {
    if (text.length > MAX_DATA_MESSAGE) return;
    if (this.channel?.readyState === "open") this.channel.send(text);
    else this.waiting.push(text);
  }

  private use(channel: RTCDataChannel): void {
    channel.addEventListener("message", (ev) => {
      if (typeof ev.data === "string" && ev.data.length <= MAX_DATA_MESSAGE) this.onText(ev.data);
    });
    const opened = () => {
      this.channel = channel;
      for (const text of this.waiting.splice(0)) channel.send(text);
      this.onOpen();
    };
    if (channel.readyState === "open") opened();
    else channel.addEventListener("open", opened, { once: true });
  }
}
