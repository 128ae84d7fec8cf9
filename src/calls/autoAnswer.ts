// Auto-answer: whether and when an incoming call is answered without the user. Off unless the
// account asks for it ("autoAnswer" in softphone.accounts): "always" answers every call that
// arrives while no other call is in progress; "hinted" only calls whose INVITE asks to be
// answered (intercom, paging). The hints in use — none is a standard everyone follows:
//   Call-Info: <sip:pbx.example.com>;answer-after=0        (Asterisk, FreeSWITCH, Snom, Yealink)
//   Alert-Info: <http://x>;info=alert-autoanswer;delay=2   (Polycom)
//   Alert-Info: ;answer-after=3, Alert-Info: Auto Answer   (Cisco/Grandstream style)
// A hint is honoured only when the account allows auto-answer: any caller can write headers.

export type AutoAnswerMode = "always" | "hinted";

/** Hints are capped: an answer an hour later is no auto-answer anyone meant. */
const MAX_HINT_SECONDS = 60;

/** The answer-after delay (seconds) an INVITE's Call-Info / Alert-Info values ask for, if any. */
export function answerAfterHint(headers: { callInfo?: readonly string[]; alertInfo?: readonly string[] }): number | undefined {
  for (const value of headers.callInfo ?? []) {
    const seconds = paramSeconds(value, "answer-after");
    if (seconds !== undefined) return seconds;
  }
  for (const value of headers.alertInfo ?? []) {
    const after = paramSeconds(value, "answer-after");
    if (after !== undefined) return after;
    const params = withoutUri(value).toLowerCase();
    if (/(^|;)\s*info\s*=\s*"?alert-autoanswer"?/.test(params) || /^\s*auto[ -]?answer\s*$/.test(params)) return paramSeconds(value, "delay") ?? 0;
  }
  return undefined;
}

/**
 * How long to wait before answering a call on an account in `mode` (undefined: ring as usual).
 * `busy`: another call is in progress (auto-answer would cut into it: the call rings instead).
 */
export function autoAnswerDelay(mode: AutoAnswerMode | undefined, options: { hint: number | undefined; delaySeconds?: number; busy: boolean }): number | undefined {
  if (!mode || options.busy) return undefined;
  if (options.hint !== undefined) return options.hint;
  return mode === "always" ? (options.delaySeconds ?? 0) : undefined;
}

/** The header value's parameters only: a URI in <…> may carry its own ";x=y". */
function withoutUri(value: string): string {
  return value.replace(/<[^>]*>/g, "");
}

function paramSeconds(value: string, name: string): number | undefined {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*"?(\\d{1,5})"?`, "i").exec(withoutUri(value));
  if (!match) return undefined;
  return Math.min(Number(match[1]), MAX_HINT_SECONDS);
}
