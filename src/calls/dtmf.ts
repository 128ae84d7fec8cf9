// DTMF tones: one definition for the command's input box, the call manager and the media path.

/** Tones a user may send: 0-9, A-D, * and #. */
export const DTMF_TONES = /^[0-9A-D#*]+$/i;
/** What travels to the media engine: the same, plus "," (a pause, as RTCDTMFSender takes it). */
export const DTMF_SEQUENCE = /^[0-9A-D#*,]+$/i;
export const DTMF_HINT = "0-9 A-D * #";

/** Why `tones` cannot be sent, or undefined when it can. */
export function dtmfProblem(tones: string): string | undefined {
  return DTMF_TONES.test(tones) ? undefined : `"${tones}" contains characters that are not DTMF tones (${DTMF_HINT})`;
}
