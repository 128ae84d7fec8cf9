// A TCP relay between a phone and a server on the bench, so a test can cut the network in
// between (every connection through it dropped, new ones refused for a while) while both ends
// keep running — the way a Wi-Fi drop looks to the phone. Fault injection, not a stand-in: the
// bytes are the real server's.
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Drop every connection now and refuse new ones for `downMs`. */
  cut(downMs: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let downUntil = 0;
  const server: Server = createServer((client) => {
    if (Date.now() < downUntil) return void client.destroy();
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      live.add(s);
      s.on("close", () => live.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut(downMs) {
      downUntil = Date.now() + downMs;
      for (const s of live) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
