// How calls read to a person, shared by the host (status bar, pickers) and both webviews
// (sidebar, call window): pure, no `vscode` import, so the webview bundles can include it.
import type { MediaQuality, StreamQuality } from "../protocol/quality";
import type { CallView, ClearReason, RoomStateView, TransferView } from "../protocol/model";

const REASONS: Record<ClearReason, string> = {
  cancelled: "Cancelled",
  busy: "Busy",
  declined: "Declined",
  "not-found": "Not found",
  unavailable: "Unavailable",
  "no-answer": "No answer",
  failed: "Failed",
  "ended-local": "Ended",
  "ended-remote": "Ended by the other party",
  transferred: "Transferred",
};

export function callLabel(call: Pick<CallView, "remote">): string {
  const user = call.remote.uri.replace(/^sips?:/, "");
  return call.remote.displayName ? `${call.remote.displayName} (${user})` : user;
}

export function stateLabel(call: CallView): string {
  switch (call.state) {
    case "connecting":
      return "Connecting…";
    case "trying":
      return "Trying…";
    case "ringing":
      return call.direction === "incoming" ? "Incoming call" : "Ringing…";
    case "incall":
      return call.held ? "On hold" : call.muted ? "In call (muted)" : "In call";
    case "cleared": {
      const r = call.reason ? REASONS[call.reason] : "Ended";
      return call.status && call.status >= 300 ? `${r} (${call.status})` : r;
    }
  }
}

export function formatDuration(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function elapsed(call: CallView, now: number): string {
  return formatDuration(((call.endedAt ?? now) - (call.answeredAt ?? call.startedAt)) / 1000);
}

/** A transfer attempt in a few words: "transferring to bob@example.com…", "transfer failed: target busy (486)". */
export function transferLabel(t: TransferView): string {
  const to = t.target.replace(/^sips?:/, "");
  if (t.state === "transferring") return `transferring to ${to}…`;
  if (t.state === "transferred") return `transferred to ${to}`;
  if (t.state === "failed") return `transfer failed: ${t.error ?? "unknown error"}`;
  return "";
}

/** One line of a stream's figures, e.g. "opus · 32 kb/s · loss 0.5% · jitter 3 ms · RTT 12 ms". */
export function streamSummary(q: StreamQuality): string {
  const parts = [q.codec ?? q.kind, `${Math.round(q.receiveKbps)} kb/s`, `loss ${q.lossPercent.toFixed(1)}%`, `jitter ${Math.round(q.jitterMs)} ms`];
  if (q.rttMs !== undefined) parts.push(`RTT ${Math.round(q.rttMs)} ms`);
  if (q.frameWidth && q.frameHeight) parts.push(`${q.frameWidth}×${q.frameHeight}${q.framesPerSecond ? ` ${Math.round(q.framesPerSecond)} fps` : ""}`);
  return parts.join(" · ");
}

/** The call's quality in a few words: "good (MOS 4.4)". */
export function qualityLabel(q: MediaQuality): string {
  return q.mos !== undefined ? `${q.grade} (MOS ${q.mos.toFixed(1)})` : q.grade;
}

/** Quality for a tooltip: the grade, then one line per stream. */
export function qualityDetail(q: MediaQuality): string {
  return [`Call quality: ${qualityLabel(q)}`, q.audio && `audio: ${streamSummary(q.audio)}`, q.video && `video: ${streamSummary(q.video)}`].filter(Boolean).join("\n");
}

/** How many people are in the room, us included (screen shares are not people). */
export function roomPeople(room: Pick<RoomStateView, "others">): number {
  return room.others.filter((p) => !p.screen).length + 1;
}

/** How a room member's tile or row is named: their name, or their screen's. */
export function memberLabel(p: { id: number; display: string; screen?: boolean }): string {
  const name = p.display || `member ${p.id}`;
  return p.screen ? `${name}'s screen` : name;
}
