// Call recordings on disk: one file per recording, in the recordings folder, named by date and
// party (`2026-11-30_21-05-07_bob@example.com.webm`). The call window sends the encoded audio a
// second at a time (see webview/callwindow/recorder.ts); pieces are appended in order. A
// recording that ends without its last piece (the window closed, VS Code quit) keeps what
// arrived: WebM plays without its end.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { RemoteParty } from "../protocol/model";
import type { Logger } from "../util/logger";

interface Open {
  file: string;
  out: WriteStream;
  nextSeq: number;
  /** Pieces that came early, by seq. */
  early: Map<number, Buffer>;
  /** The seq of the last piece, once it arrived. */
  finalSeq?: number;
}

const MAX_PIECE_BYTES = 4 * 1024 * 1024;

export class RecordingFiles {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly folder: () => string,
    private readonly log: Logger,
  ) {}

  /** Start a file for this call's recording; returns its path. */
  begin(callId: string, remote: RemoteParty, at = Date.now()): string {
    this.finish(callId);
    const dir = this.folder();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${stamp(at)}_${safeName(remote.uri)}.webm`);
    const out = createWriteStream(file, { flags: "wx" });
    out.on("error", (err) => this.log.error(`recording ${file}: ${err.message}`));
    this.open.set(callId, { file, out, nextSeq: 0, early: new Map() });
    return file;
  }

  /** Whether pieces for this call are expected (only those are accepted from the window). */
  isOpen(callId: string): boolean {
    return this.open.has(callId);
  }

  /** One piece from the window (base64); `final` closes the file. */
  write(callId: string, seq: number, base64: string, final: boolean): void {
    const rec = this.open.get(callId);
    if (!rec || !Number.isInteger(seq) || seq < rec.nextSeq || base64.length > (MAX_PIECE_BYTES * 4) / 3 + 4) return;
    rec.early.set(seq, Buffer.from(base64, "base64"));
    if (final) rec.finalSeq = seq;
    for (let next = rec.early.get(rec.nextSeq); next !== undefined; next = rec.early.get(rec.nextSeq)) {
      rec.early.delete(rec.nextSeq);
      rec.nextSeq++;
      if (next.length) rec.out.write(next);
    }
    if (rec.finalSeq !== undefined && rec.nextSeq > rec.finalSeq) this.finish(callId);
  }

  /** Close the file now (the call or the window ended); returns its path. */
  finish(callId: string): string | undefined {
    const rec = this.open.get(callId);
    if (!rec) return undefined;
    this.open.delete(callId);
    rec.out.end();
    return rec.file;
  }

  /** Resolves once every open file is closed (extension shutting down). */
  async closeAll(): Promise<void> {
    const files = [...this.open.keys()].map((id) => this.open.get(id)!.out);
    for (const id of [...this.open.keys()]) this.finish(id);
    await Promise.all(files.map((out) => new Promise<void>((resolve) => (out.closed ? resolve() : out.once("close", () => resolve())))));
  }
}

function stamp(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/** The party's address as a file name: no scheme, nothing a file system or shell minds. */
export function safeName(uri: string): string {
  const name = uri.replace(/^(sips?|tel):/, "").replace(/[^A-Za-z0-9@._+-]/g, "_").slice(0, 80);
  return name.replace(/^[.-]+/, "") || "call";
}
