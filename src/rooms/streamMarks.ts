// What each publisher in a video room sends, and whether it is muted, as everyone in the room
// learns it. Janus's VideoRoom has no self-mute event (its `moderate` needs the room's secret
// and is a moderator's act), but it tells everyone when a publisher changes the description of
// one of its streams (an SDP-less `configure` with `descriptions`). So we describe our streams
// in words any Janus client can show — "microphone" / "microphone muted", "camera" /
// "camera off", "screen" — and read the others' the same way. No vscode import.
import { parse } from "sdp-transform";

export const DESCRIPTIONS = {
  microphone: "microphone",
  microphoneMuted: "microphone muted",
  camera: "camera",
  cameraOff: "camera off",
  screen: "screen",
} as const;

/** What we say about what we publish. */
export interface OwnMarks {
  muted: boolean;
  cameraOff: boolean;
  /** This publisher is a screen share (a second publisher of the same person). */
  screen?: boolean;
}

/** What a publisher's streams say about it. */
export interface PublisherMarks {
  audio: boolean;
  video: boolean;
  muted: boolean;
  cameraOff: boolean;
  screen: boolean;
}

/** The media lines of our offer: the mid of its audio and of its video, if any. */
export function midsOf(sdp: string): { audio?: string; video?: string } {
  const out: { audio?: string; video?: string } = {};
  for (const m of parse(sdp).media) {
    if ((m.type === "audio" || m.type === "video") && m.mid !== undefined && out[m.type] === undefined) out[m.type] = String(m.mid);
  }
  return out;
}

/** The `descriptions` of a `configure` saying `marks` about the streams `mids`. */
export function describeStreams(mids: { audio?: string; video?: string }, marks: OwnMarks): Array<{ mid: string; description: string }> {
  const out: Array<{ mid: string; description: string }> = [];
  if (mids.audio !== undefined) out.push({ mid: mids.audio, description: marks.muted ? DESCRIPTIONS.microphoneMuted : DESCRIPTIONS.microphone });
  if (mids.video !== undefined) {
    const video = marks.screen ? DESCRIPTIONS.screen : marks.cameraOff ? DESCRIPTIONS.cameraOff : DESCRIPTIONS.camera;
    out.push({ mid: mids.video, description: video });
  }
  return out;
}

/**
 * Reads a publisher's `streams` as Janus lists them. A stream a moderator muted counts as muted;
 * a disabled stream is not sent. Publishers from other clients (no descriptions) read as
 * unmuted with what they send.
 */
export function marksOf(streams: unknown): PublisherMarks {
  const marks: PublisherMarks = { audio: false, video: false, muted: false, cameraOff: false, screen: false };
  if (!Array.isArray(streams)) return marks;
  for (const s of streams as Array<Record<string, unknown>>) {
    if (!s || typeof s !== "object" || s.disabled === true) continue;
    const description = typeof s.description === "string" ? s.description : "";
    if (s.type === "audio") {
      marks.audio = true;
      if (description === DESCRIPTIONS.microphoneMuted || s.moderated === true) marks.muted = true;
    } else if (s.type === "video") {
      marks.video = true;
      if (description === DESCRIPTIONS.cameraOff || s.moderated === true) marks.cameraOff = true;
      if (description === DESCRIPTIONS.screen) marks.screen = true;
    }
  }
  return marks;
}
