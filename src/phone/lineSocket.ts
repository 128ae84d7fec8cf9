// One JSON message per line over a local stream socket (Unix socket or named pipe). A line that
// is not JSON is dropped; a line longer than MAX_LINE closes the connection (nothing of ours is
// that big, so it is not one of our windows talking).
import type { Socket } from "node:net";
import type { Envelope } from "../protocol/rpc";

export const MAX_LINE = 4 * 1024 * 1024;

export function lineSocket(socket: Socket, onMessage: (message: unknown) => void): { send(envelope: Envelope): void } {
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        continue;
      }
      onMessage(message);
    }
    if (buffered.length > MAX_LINE) socket.destroy(new Error("a message longer than the link allows"));
  });
  return {
    send(envelope) {
      if (socket.destroyed || !socket.writable) throw new Error("the link is closed");
      socket.write(`${JSON.stringify(envelope)}\n`);
    },
  };
}
